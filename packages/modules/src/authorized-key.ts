import { posix } from 'node:path';
import { z } from 'zod';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { authorizedKeysState } from './authorized-key-facts.js';
import type { AuthorizedKeysFacts } from './authorized-key-facts.js';
import { accountName } from './group.js';
import { KeyGrammarError, parseKeyLine, parseKeyOptions, parseKeysFile, renderKey } from './lib/authorized-keys.js';
import type { AuthorizedKey, FileLine, KeyOption } from './lib/authorized-keys.js';
import type { DocumentedParams } from './lib/documented-params.js';

/** Keys given as one string (one per line, as Ansible's `key`) or a list; blank and # lines are skipped. */
const keyLines = z.union([z.string(), z.array(z.string()).min(1)]).transform((value, ctx): AuthorizedKey[] => {
  // A private key is refused as a whole: parsed line by line, its body would be echoed as "options".
  if ((Array.isArray(value) ? value : [value]).some(isPrivateKey)) {
    ctx.addIssue({ code: 'custom', message: 'this is a private key: give the public key (the .pub file)' });
    return z.NEVER;
  }
  const lines = (Array.isArray(value) ? value.flatMap((v) => v.split('\n')) : value.split('\n')).map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (lines.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'at least one public key (a line such as "ssh-ed25519 AAAA... me@laptop")' });
    return z.NEVER;
  }
  const keys: AuthorizedKey[] = [];
  lines.forEach((line, i) => {
    try {
      const key = parseKeyLine(line);
      if (keys.some((k) => k.blob === key.blob)) ctx.addIssue({ code: 'custom', message: `key ${i + 1} is given twice` });
      keys.push(key);
    } catch (error) {
      if (!(error instanceof KeyGrammarError)) throw error;
      // The message names the problem, never the line: a private key pasted here must not be echoed.
      ctx.addIssue({ code: 'custom', message: `key ${i + 1}: ${error.message}` });
    }
  });
  return keys;
});

const isPrivateKey = (text: string) => /PRIVATE KEY-----|^PuTTY-User-Key-File/m.test(text);

const keyOptions = z.string().transform((value, ctx): KeyOption[] => {
  try {
    return parseKeyOptions(value);
  } catch (error) {
    if (!(error instanceof KeyGrammarError)) throw error;
    ctx.addIssue({ code: 'custom', message: `${error.message} (sshd's grammar: no-pty,from="10.0.0.0/8")` });
    return z.NEVER;
  }
});

/** The authorizedKey task's params as written (an interface, so editors show each field's documentation). */
export interface AuthorizedKeyInput {
  /** The account whose key file is managed; it must exist. Ansible: user. */
  user: string;
  /**
   * One or several public keys, `[options] type base64 [comment]`: one string with a key per line
   * (as Ansible's key) or a list; blank and # lines are skipped; no URLs. A key is recognised by its type and data. Ansible: key.
   */
  key: string | string[];
  /** present (default): the keys are in the file; absent: they are not. Ansible: state. */
  state?: 'present' | 'absent' | undefined;
  /** Remove every other key from the file (comment lines stay). Only with state present. Default false. Ansible: exclusive. */
  exclusive?: boolean | undefined;
  /** sshd options for every given key, replacing options written in the key lines: 'no-pty,from="10.0.0.0/8"'. Ansible: key_options. */
  key_options?: string | undefined;
  /** Replaces the comment of every given key; without it a key's own comment, else the file's, is kept. Ansible: comment. */
  comment?: string | undefined;
  /** The key file, an absolute path; default ~user/.ssh/authorized_keys. Ansible: path. */
  path?: string | undefined;
  /** Create the key file's directory (0700) and keep it and the file (0600) owned by the user. Default true. Ansible: manage_dir. */
  manage_dir?: boolean | undefined;
}

const paramsSchema = z
  .strictObject({
    user: accountName,
    key: keyLines,
    state: z.enum(['present', 'absent']).default('present'),
    exclusive: z.boolean().default(false),
    key_options: keyOptions.optional(),
    comment: z
      .string()
      .regex(/^[^\r\n\0]*$/, 'a comment on one line')
      .optional(),
    path: z.string().regex(/^\/[^\r\n\0]*[^/]$/, 'an absolute path to a file').optional(),
    manage_dir: z.boolean().default(true),
  })
  .refine((p) => !(p.exclusive && p.state === 'absent'), { message: 'exclusive is for state present (it keeps only the given keys)', path: ['exclusive'] });
const params: DocumentedParams<typeof paramsSchema, AuthorizedKeyInput> = paramsSchema;

export type AuthorizedKeyParams = z.output<typeof params>;

interface Owner {
  uid: number;
  gid: number;
}

export type AuthorizedKeyChange =
  /** mkdir (when missing), then owner and mode 0700. */
  | Change<'authorizedKey.directory', Owner & { path: string; create: boolean }>
  /** The whole key file, written atomically; `keepAttributes`: an existing file's mode and owner stay. */
  | Change<'authorizedKey.keys', Owner & { path: string; text: string; keepAttributes: boolean }>
  /** An existing, unchanged key file's owner and mode 0600. */
  | Change<'authorizedKey.attributes', Owner & { path: string }>;

const DIR_MODE = '0700';
const FILE_MODE = '0600';

/**
 * SSH public keys in a user's authorized_keys: added, updated (options, comment) in place, removed,
 * or made the only keys (exclusive). A key is identified by its key data; lines that are not keys
 * are kept as they are.
 *
 * Differences from Ansible (README, "Differences from Ansible"):
 * - `key` is public keys only (a URL such as https://github.com/NAME.keys is not fetched); each line
 *   is checked for authorized_keys grammar, its data decoded and its type checked; a private key is
 *   refused without being echoed.
 * - `key_options` are checked against sshd's option names and quoted for it; Ansible passes them on.
 * - an updated key stays where it was in the file (Ansible moves it to the end); state absent removes
 *   a key whatever its options and comment (Ansible only an exact match); exclusive keeps comment
 *   lines and is refused with state absent.
 * - with manage_dir, the file's mode (0600) and owner are checked and corrected on every run, as the
 *   directory's are; a symlinked key file is followed (Ansible's follow: true).
 */
export const authorizedKey = defineModule({
  name: 'authorizedKey',
  params,
  facts: (p) => authorizedKeysState({ user: p.user, path: p.path ?? null }),
  plan: (facts, p): AuthorizedKeyChange[] => planAuthorizedKeys(facts, p),
  async apply(ctx, changes) {
    for (const change of changes) {
      const { payload } = change;
      const owner = `${payload.uid}:${payload.gid}`;
      switch (change.kind) {
        case 'authorizedKey.directory': {
          const { path, create } = change.payload;
          await ctx.exec(sh`${create ? sh`mkdir -m 700 -- ${path} && ` : sh``}chown -- ${owner} ${path} && chmod 700 -- ${path}`);
          break;
        }
        case 'authorizedKey.keys': {
          const { path, text, keepAttributes } = change.payload;
          await ctx.put(path, text, { mode: 0o600, owner: String(payload.uid), group: String(payload.gid), keepExisting: keepAttributes });
          break;
        }
        case 'authorizedKey.attributes':
          await ctx.exec(sh`chown -- ${owner} ${change.payload.path} && chmod 600 -- ${change.payload.path}`);
          break;
      }
    }
  },
});

export function planAuthorizedKeys(facts: AuthorizedKeysFacts, p: AuthorizedKeyParams): AuthorizedKeyChange[] {
  const { account, path, directory, file } = facts;
  if (!account) throw new MeshbookError('MODULE_FAILED', `user ${p.user} does not exist`, { hint: 'create it first (the user module), or fix authorizedKey.user' });
  const owner = { uid: account.uid, gid: account.gid };
  const changes: AuthorizedKeyChange[] = [];
  const dir = posix.dirname(path);
  if (file && file.type !== 'file') throw new MeshbookError('MODULE_FAILED', `${path} is a ${file.type}, not a regular file`, { hint: 'remove it, or give authorizedKey.path' });
  if (file && file.text === null) throw new MeshbookError('MODULE_FAILED', `${path} is not a text file`, { hint: 'look at it by hand: sshd cannot read it either' });

  const edited = editKeys(file ? parseKeysFile(file.text!) : [], p);
  if (!file && p.state === 'absent') return [];

  // Removing keys touches nothing else: the directory and the file keep their mode and owner.
  if (p.manage_dir && p.state === 'present') {
    if (directory && directory.type !== 'directory') throw new MeshbookError('MODULE_FAILED', `${dir} is not a directory`, { hint: 'remove it, or give authorizedKey.path' });
    const wrong = directory ? ownership(directory, owner, DIR_MODE) : null;
    if (!directory || wrong) {
      changes.push({
        kind: 'authorizedKey.directory',
        target: dir,
        summary: directory ? `${dir}: ${wrong}` : `create ${dir} (mode ${DIR_MODE}, owner ${p.user})`,
        before: directory ? describe(directory) : null,
        after: `${DIR_MODE} ${owner.uid}:${owner.gid}`,
        payload: { ...owner, path: dir, create: !directory },
      });
    }
  } else if (!directory && p.state === 'present') {
    throw new MeshbookError('MODULE_FAILED', `${dir} does not exist`, { hint: 'create it, or set manage_dir: true' });
  }

  const target = file?.realPath ?? path;
  if (edited.summary.length > 0) {
    const text = edited.lines.map((l) => `${l}\n`).join('');
    changes.push({
      kind: 'authorizedKey.keys',
      target: path,
      summary: `${file ? '' : 'create, '}${edited.summary.join(', ')}`,
      content: { path, before: file ? file.text : null, after: text },
      payload: { ...owner, path: target, text, keepAttributes: !p.manage_dir && file !== null },
    });
  } else if (file && p.manage_dir && p.state === 'present') {
    const wrong = ownership(file, owner, FILE_MODE);
    if (wrong) changes.push({ kind: 'authorizedKey.attributes', target: path, summary: `${path}: ${wrong}`, before: describe(file), after: `${FILE_MODE} ${owner.uid}:${owner.gid}`, payload: { ...owner, path: target } });
  }
  return changes;
}

/** What is wrong with a path's mode and owner, or null. */
function ownership(state: { mode: string; uid: number; gid: number }, owner: Owner, mode: string): string | null {
  const wrong = [
    state.mode !== mode ? `mode ${state.mode} → ${mode}` : null,
    state.uid !== owner.uid || state.gid !== owner.gid ? `owner ${state.uid}:${state.gid} → ${owner.uid}:${owner.gid}` : null,
  ].filter(Boolean);
  return wrong.length ? wrong.join(', ') : null;
}

const describe = (s: { mode: string; uid: number; gid: number }) => `${s.mode} ${s.uid}:${s.gid}`;

const label = (key: AuthorizedKey) => `${key.type} …${key.blob.slice(-8)}${key.comment ? ` ${key.comment}` : ''}`;

/** The file's lines after the edit, and what changed (empty: nothing). */
export function editKeys(existing: FileLine[], p: AuthorizedKeyParams): { lines: string[]; summary: string[] } {
  const summary: string[] = [];
  const given = new Map(p.key.map((k) => [k.blob, k]));
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const line of existing) {
    const key = line.key;
    if (!key) {
      lines.push(line.text);
      continue;
    }
    const wanted = given.get(key.blob);
    if (!wanted) {
      if (p.exclusive) summary.push(`remove ${label(key)}`);
      else lines.push(line.text);
      continue;
    }
    if (p.state === 'absent') {
      summary.push(`remove ${label(key)}`);
      continue;
    }
    if (seen.has(key.blob)) {
      // sshd reads the first line of a key: a later copy is dead weight that may mislead.
      summary.push(`remove duplicate ${label(key)}`);
      continue;
    }
    seen.add(key.blob);
    const desired = renderKey(desiredKey(wanted, p, key));
    if (desired !== line.text.trim()) summary.push(`update ${label(key)}`);
    lines.push(desired === line.text.trim() ? line.text : desired);
  }
  if (p.state === 'present') {
    for (const key of p.key) {
      if (seen.has(key.blob)) continue;
      const desired = desiredKey(key, p, null);
      summary.push(`add ${label(desired)}`);
      lines.push(renderKey(desired));
    }
  }
  return { lines, summary };
}

/** The line a given key should be: options from key_options, else its own; comment from the param, its own, else the file's. */
function desiredKey(key: AuthorizedKey, p: AuthorizedKeyParams, current: AuthorizedKey | null): AuthorizedKey {
  return { ...key, options: p.key_options ?? key.options, comment: p.comment ?? key.comment ?? current?.comment ?? null };
}
