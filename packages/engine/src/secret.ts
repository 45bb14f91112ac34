import { inspect } from 'node:util';

export const MASK = '***';

/**
 * Every secret's text, kept so that any output path (reporters, logs, errors) can scrub text that
 * came back from a host, e.g. a token echoed on stderr. Weak references are not possible for
 * strings, so the set only grows; secrets are few per run.
 *
 * Besides the text itself, the forms it takes on its way through other programs are kept: shell
 * single-quoting (`'\''`), JSON string escaping, and each long line of a multi-line secret (a PEM
 * key shows up line by line in diffs and progress output).
 */
const knownSecrets = new Set<string>();
/** Secrets shorter than MIN_ANYWHERE: scrubbed only where they stand as a whole token. */
const shortSecrets = new Set<string>();
/** knownSecrets, longest first: a secret inside a longer one must not leave part of the longer one. */
let ordered: string[] | undefined;
let shortPattern: RegExp | undefined;

/** Shorter texts would mangle unrelated output when scrubbed anywhere; they are scrubbed as whole tokens. */
const MIN_ANYWHERE = 4;
/** A line of a multi-line secret is scrubbed on its own from this length (PEM lines are 64). */
const MIN_LINE = 16;

function remember(value: string): void {
  if (value.length === 0) return;
  const forms = new Set([value, value.replace(/'/g, `'\\''`), JSON.stringify(value).slice(1, -1)]);
  if (value.includes('\n')) for (const line of value.split('\n')) if (line.trim().length >= MIN_LINE) forms.add(line.trim());
  for (const form of forms) {
    if (form.length >= MIN_ANYWHERE) knownSecrets.add(form);
    else shortSecrets.add(form);
  }
  ordered = undefined;
  shortPattern = undefined;
}

/**
 * A value that prints as *** everywhere (toString, JSON, util.inspect, template literals) and whose
 * text only an explicit reveal() gives. Modules pass Secret values through params, facts and
 * changes; the engine never renders them.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    remember(value);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return `Secret(${MASK})`;
  }

  static isSecret(value: unknown): value is Secret {
    return value instanceof Secret;
  }
}

export function secret(value: string): Secret {
  return new Secret(value);
}

/** Registers text that must never be printed although it is not (yet) wrapped in a Secret. */
export function registerSecretText(value: string): void {
  remember(value);
}

/** Replaces the text of every known secret in `text` with ***. Used on every output path. */
export function redact(text: string): string {
  if ((knownSecrets.size === 0 && shortSecrets.size === 0) || text.length === 0) return text;
  ordered ??= [...knownSecrets].sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of ordered) {
    if (out.includes(value)) out = out.split(value).join(MASK);
  }
  if (shortSecrets.size > 0) {
    // A whole token: not preceded or followed by a letter, digit or underscore.
    shortPattern ??= new RegExp(`(?<![\\p{L}\\p{N}_])(?:${[...shortSecrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`, 'gu');
    out = out.replace(shortPattern, MASK);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Deep copy of a value with Secrets masked and known secret text redacted, for events and logs. */
export function redactDeep(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redact(value);
  if (value instanceof Secret) return MASK;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, seen));
  if (value instanceof Error) {
    return { name: value.name, message: redact(value.message), ...(redactDeep({ ...value }, seen) as object) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, seen);
  return out;
}
