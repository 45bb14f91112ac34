/**
 * The grammar of OpenSSH's authorized_keys (sshd(8), "AUTHORIZED_KEYS FILE FORMAT"): one key per
 * line, `[options] keytype base64-key [comment]`. Options are comma-separated, with no blanks
 * outside double quotes; inside a quoted value only `\"` is an escape.
 */

/** Key types sshd reads (plain and certificate forms). */
const PLAIN_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];
export const KEY_TYPES: ReadonlySet<string> = new Set([
  ...PLAIN_TYPES,
  ...PLAIN_TYPES.map((t) => (t.includes('@') ? t.replace('@', '-cert-v01@') : `${t}-cert-v01@openssh.com`)),
]);

/** Options that take a quoted value, and those that are flags (sshd refuses the key line on any other). */
const VALUE_OPTIONS = new Set(['command', 'environment', 'expiry-time', 'from', 'permitlisten', 'permitopen', 'principals', 'tunnel']);
const FLAG_OPTIONS = new Set([
  'agent-forwarding',
  'cert-authority',
  'no-agent-forwarding',
  'no-port-forwarding',
  'no-pty',
  'no-user-rc',
  'no-x11-forwarding',
  'port-forwarding',
  'pty',
  'no-touch-required',
  'touch-required',
  'verify-required',
  'restrict',
  'user-rc',
  'x11-forwarding',
]);

export interface KeyOption {
  name: string;
  /** null for a flag. */
  value: string | null;
}

/** One key line, parsed. `options` are canonical: a line is rendered back from them. */
export interface AuthorizedKey {
  options: KeyOption[];
  type: string;
  /** The base64 key blob: what identifies a key. */
  blob: string;
  comment: string | null;
}

export class KeyGrammarError extends Error {}

/**
 * Parses an options string (`no-pty,from="10.0.0.0/8"`, or Ansible's unquoted `from=10.0.0.1`)
 * into canonical options. Throws KeyGrammarError naming the problem, never echoing a whole value.
 */
export function parseKeyOptions(text: string): KeyOption[] {
  if (/[\r\n\0]/.test(text)) throw new KeyGrammarError('options on one line');
  const options: KeyOption[] = [];
  let i = 0;
  const trimmed = text.trim();
  if (trimmed === '') return [];
  while (i < trimmed.length) {
    const nameMatch = /^[A-Za-z0-9-]+/.exec(trimmed.slice(i));
    if (!nameMatch) throw new KeyGrammarError(`an option name expected at character ${i + 1}`);
    const name = nameMatch[0];
    i += name.length;
    let value: string | null = null;
    if (trimmed[i] === '=') {
      i++;
      if (trimmed[i] === '"') {
        i++;
        let v = '';
        for (;;) {
          if (i >= trimmed.length) throw new KeyGrammarError(`option ${name}: missing closing quote`);
          const c = trimmed[i]!;
          if (c === '\\' && trimmed[i + 1] === '"') {
            v += '"';
            i += 2;
          } else if (c === '"') {
            i++;
            break;
          } else {
            v += c;
            i++;
          }
        }
        value = v;
      } else {
        const raw = /^[^,"\s]*/.exec(trimmed.slice(i))![0];
        i += raw.length;
        value = raw;
      }
    }
    options.push(checkOption(name, value));
    if (i < trimmed.length) {
      if (trimmed[i] !== ',') throw new KeyGrammarError(`a comma expected after option ${name} (blanks only inside double quotes)`);
      i++;
      if (i === trimmed.length) throw new KeyGrammarError('a trailing comma');
    }
  }
  return options;
}

function checkOption(name: string, value: string | null): KeyOption {
  const lower = name.toLowerCase();
  if (VALUE_OPTIONS.has(lower)) {
    if (value === null) throw new KeyGrammarError(`option ${name} needs a value: ${name}="..."`);
    // Only `\"` is an escape inside sshd's quotes: a value ending in a backslash would swallow the closing quote.
    if (value.endsWith('\\')) throw new KeyGrammarError(`option ${name}: a value may not end with a backslash`);
    return { name, value };
  }
  if (FLAG_OPTIONS.has(lower)) {
    if (value !== null) throw new KeyGrammarError(`option ${name} takes no value`);
    return { name, value: null };
  }
  throw new KeyGrammarError(`unknown option ${JSON.stringify(name)}: sshd would refuse the whole key line`);
}

export function renderOptions(options: readonly KeyOption[]): string {
  return options.map((o) => (o.value === null ? o.name : `${o.name}="${o.value.replace(/"/g, '\\"')}"`)).join(',');
}

export function renderKey(key: AuthorizedKey): string {
  const options = renderOptions(key.options);
  return [options || null, key.type, key.blob, key.comment || null].filter((p) => p !== null).join(' ');
}

/** The options field of a line: up to the first blank outside double quotes (as sshd reads it). */
function splitOptions(line: string): { options: string; rest: string } {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && quoted && line[i + 1] === '"') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t')) return { options: line.slice(0, i), rest: line.slice(i).trimStart() };
  }
  return { options: line, rest: '' };
}

/**
 * One line of an authorized_keys file as a key; throws KeyGrammarError for anything sshd would not
 * read as one. The blob must be base64 whose embedded type name is the line's key type.
 */
export function parseKeyLine(input: string): AuthorizedKey {
  const line = input.trim();
  if (/[\r\n\0]/.test(line)) throw new KeyGrammarError('a key on one line');
  if (/PRIVATE KEY/.test(line)) throw new KeyGrammarError('this is a private key: give the public key (the .pub file)');
  let options: KeyOption[] = [];
  let rest = line;
  const firstWord = line.split(/[ \t]/, 1)[0] ?? '';
  if (!KEY_TYPES.has(firstWord) && /^(ssh|ecdsa|sk)-/.test(firstWord)) throw new KeyGrammarError(`unknown key type ${JSON.stringify(firstWord)}`);
  if (!KEY_TYPES.has(firstWord)) {
    const split = splitOptions(line);
    options = parseKeyOptions(split.options);
    rest = split.rest;
  }
  const [type = '', blob = '', ...commentWords] = rest.split(/[ \t]+/);
  if (!KEY_TYPES.has(type)) throw new KeyGrammarError(`not a public key line: expected a key type such as ssh-ed25519 or ssh-rsa`);
  checkBlob(type, blob);
  const comment = rest.slice(rest.indexOf(blob) + blob.length).trim();
  return { options, type, blob, comment: commentWords.length > 0 && comment !== '' ? comment : null };
}

function checkBlob(type: string, blob: string): void {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) throw new KeyGrammarError(`the ${type} key is not valid base64`);
  const bytes = Buffer.from(blob, 'base64');
  const length = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
  const embedded = length > 0 && length + 4 <= bytes.length ? bytes.subarray(4, 4 + length).toString('latin1') : null;
  if (embedded !== type) throw new KeyGrammarError(`the key data is not a ${type} key${embedded && /^[\x20-\x7e]+$/.test(embedded) ? ` (it says ${embedded})` : ''}`);
}

/** A line of an existing file: a key, or anything else (comments, blanks, lines sshd skips), kept as it is. */
export type FileLine = { key: AuthorizedKey; text: string } | { key: null; text: string };

export function parseKeysFile(text: string): FileLine[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((raw) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return { key: null, text: raw };
    try {
      return { key: parseKeyLine(line), text: raw };
    } catch {
      return { key: null, text: raw };
    }
  });
}
