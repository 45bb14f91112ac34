import { inspect } from 'node:util';

export const MASK = '***';

/**
 * Every secret's text, kept so that any output path (reporters, logs, errors) can scrub text that
 * came back from a host, e.g. a token echoed on stderr. Weak references are not possible for
 * strings, so the set only grows; secrets are few per run.
 */
const knownSecrets = new Set<string>();

/**
 * A value that prints as *** everywhere (toString, JSON, util.inspect, template literals) and whose
 * text only an explicit reveal() gives. Modules pass Secret values through params, facts and
 * changes; the engine never renders them.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    // Very short values would make redaction mangle unrelated output; they are still masked when
    // rendered as a Secret, just not scrubbed from free text.
    if (value.length >= 4) knownSecrets.add(value);
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
  if (value.length >= 4) knownSecrets.add(value);
}

/** Replaces the text of every known secret in `text` with ***. Used on every output path. */
export function redact(text: string): string {
  if (knownSecrets.size === 0 || text.length === 0) return text;
  let out = text;
  for (const value of knownSecrets) {
    if (out.includes(value)) out = out.split(value).join(MASK);
  }
  return out;
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
