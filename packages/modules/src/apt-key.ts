import { z } from 'zod';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { fileState, sha256 } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';
import type { DocumentedParams } from './lib/documented-params.js';

export const KEYRINGS_DIR = '/etc/apt/keyrings';

/** The key as it would be installed: binary OpenPGP bytes and its primary keys' fingerprints, or why it could not be obtained. */
export type KeySource = { ok: true; bytes: Buffer; fingerprints: string[] } | { ok: false; message: string };

// Runs in a temp dir removed on exit, so gathering leaves nothing behind. The host's gpg dearmors
// (the same bytes `gpg --dearmor` gives by hand); binary keys pass through as they are.
const SOURCE_SCRIPT = `
d=$(mktemp -d) || exit 90
trap 'rm -rf "$d"' EXIT
if [ -n "$url" ]; then
  curl -fsSL --proto '=http,https' --max-time 60 -o "$d/key" -- "$url" || { echo "downloading $url failed" >&2; exit 91; }
else
  printf '%s' "$data" | base64 -d > "$d/key" || exit 92
fi
mkdir -m 700 "$d/gnupg" || exit 90
if grep -q -e '-----BEGIN PGP PUBLIC KEY BLOCK-----' "$d/key"; then
  GNUPGHOME="$d/gnupg" gpg --batch --dearmor < "$d/key" > "$d/key.gpg" || { echo 'gpg --dearmor failed' >&2; exit 93; }
else
  mv "$d/key" "$d/key.gpg"
fi
base64 -w0 < "$d/key.gpg"; echo
GNUPGHOME="$d/gnupg" gpg --batch --with-colons --show-keys "$d/key.gpg" 2>/dev/null | awk -F: '$1 == "pub" { p = 1 } $1 == "fpr" && p { print $10; p = 0 }'
true`;

const keySource = defineFact<{ url: string | null; data: string | null }, KeySource>({
  name: 'apt_key.source',
  command: ({ url, data }) => sh`url=${url ?? ''}; data=${data ?? ''};${sh.raw(SOURCE_SCRIPT)}`,
  parse: (result) => {
    if (result.exitCode !== 0) return { ok: false, message: result.stderr.trim() || `exit code ${result.exitCode}` };
    // The key's bytes on the first line, then the fingerprint of each primary key in it.
    const [encoded = '', ...fingerprints] = result.stdout.split('\n');
    return { ok: true, bytes: Buffer.from(encoded.trim(), 'base64'), fingerprints: fingerprints.map((f) => f.trim()).filter(Boolean) };
  },
});

/** A binary OpenPGP message starts with a packet tag byte, whose high bit is always set. */
export function looksLikeOpenPgp(bytes: Buffer): boolean {
  return bytes.length > 0 && (bytes[0]! & 0x80) === 0x80;
}

const keyName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/, "a keyring name such as 'docker' (no slashes)");

/** The aptKey task's params as written (an interface, so editors show each field's documentation). */
export interface AptKeyInput {
  /** The keyring file /etc/apt/keyrings/NAME.gpg ('.gpg' is added when missing), for a source's signed-by. Ansible: keyring. */
  name: string;
  /** Where the key is downloaded from, on the host with curl (give this or data). Ansible: url. */
  url?: string | undefined;
  /** The key itself, ASCII-armored text or binary keyring bytes (give this or url). Ansible: data. */
  data?: string | Buffer | undefined;
  /**
   * The key's primary fingerprint, 40 hex digits (spaces allowed). Recommended: the key is checked
   * against it before anything is installed, so a URL serving another key fails the task. Ansible: id.
   */
  fingerprint?: string | undefined;
  /** present (default): the keyring holds exactly this key; absent: the keyring file is removed. Ansible: state. */
  state?: 'present' | 'absent' | undefined;
}

const paramsSchema = z
  .object({
    name: keyName.transform((n) => (n.endsWith('.gpg') ? n : `${n}.gpg`)),
    url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
    data: z.union([z.string().min(1), z.instanceof(Buffer)]).optional(),
    fingerprint: z
      .string()
      .transform((f) => f.replace(/\s+/g, '').toUpperCase())
      .pipe(z.string().regex(/^[0-9A-F]{40}$/, 'an OpenPGP v4 fingerprint: 40 hex digits'))
      .optional(),
    state: z.enum(['present', 'absent']).default('present'),
  })
  .strict()
  .superRefine((p, ctx) => {
    const sources = Number(p.url !== undefined) + Number(p.data !== undefined);
    if (p.state === 'present' && sources !== 1) ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url and data' });
    if (p.state === 'absent' && sources !== 0) ctx.addIssue({ code: 'custom', path: ['url'], message: 'url and data do not go with state absent' });
  });
const params: DocumentedParams<typeof paramsSchema, AptKeyInput> = paramsSchema;

export interface AptKeyFacts {
  keyring: FileState;
  source: KeySource | null;
}

export type AptKeyChange =
  /** The keyring's bytes, exactly those the plan compared. */
  /** `bytes` null: the content is right; `makeReadable`: apt's unprivileged _apt user cannot read the file (chmod a+r, the rest of the mode kept). */
  | Change<'apt_key.keyring', { path: string; bytes: Buffer | null; makeReadable: boolean }>
  | Change<'apt_key.remove', { path: string }>;

/** Readable by others (apt's _apt user), from stat's octal mode text; unknown counts as not. */
function worldReadable(mode: string | null | undefined): boolean {
  return mode !== null && mode !== undefined && /^[0-7]+$/.test(mode) && (parseInt(mode, 8) & 0o004) !== 0;
}

export function keyringPath(name: string): string {
  return `${KEYRINGS_DIR}/${name}`;
}

/**
 * An apt keyring in /etc/apt/keyrings for `signed-by=`: the key from a URL or given inline,
 * dearmored when armored, and compared by the sha256 of the installed bytes. The key is fetched
 * as a fact (into a temp dir, with the play's other checks) so check mode knows whether it changed; apply writes exactly the
 * bytes the plan compared.
 */
export const aptKey = defineModule({
  name: 'aptKey',
  params,
  facts: (p) => ({
    keyring: fileState(keyringPath(p.name), 0),
    source: p.state === 'absent' ? null : keySource({ url: p.url ?? null, data: p.data === undefined ? null : Buffer.from(p.data).toString('base64') }),
  }),
  plan(facts: AptKeyFacts, p): AptKeyChange[] {
    const path = keyringPath(p.name);
    if (p.state === 'absent') {
      return facts.keyring.exists ? [{ kind: 'apt_key.remove', target: path, summary: `remove ${path}`, before: facts.keyring.sha256, after: null, payload: { path } }] : [];
    }
    const source = facts.source!;
    const from = p.url ?? 'the given data';
    if (!source.ok) throw new MeshbookError('MODULE_FAILED', `aptKey ${p.name}: could not get the key from ${from}: ${source.message}`);
    if (!looksLikeOpenPgp(source.bytes)) {
      throw new MeshbookError('MODULE_FAILED', `aptKey ${p.name}: ${from} is not an OpenPGP key (neither armored nor binary)`);
    }
    if (p.fingerprint !== undefined && !source.fingerprints.includes(p.fingerprint)) {
      throw new MeshbookError('MODULE_FAILED', `aptKey ${p.name}: the key from ${from} has fingerprint ${source.fingerprints.join(', ') || '(none)'}, not the ${p.fingerprint} expected: nothing installed`, {
        hint: 'check where the URL points and which key the repository signs with; update fingerprint only if the vendor announced a new key',
      });
    }
    const wanted = sha256(source.bytes);
    const existing = facts.keyring.exists && facts.keyring.type === 'file' ? facts.keyring : undefined;
    // The file's own mode, owner and group are kept (they may be stricter by site policy), as long as apt can read it.
    const unreadable = existing !== undefined && !worldReadable(existing.mode);
    const sameBytes = existing?.sha256 === wanted;
    if (existing && sameBytes && !unreadable) return [];
    const before = facts.keyring.exists ? `sha256:${facts.keyring.sha256 ?? '?'}${unreadable ? ` mode ${facts.keyring.mode}` : ''}` : null;
    const summary = sameBytes ? `make ${path} readable for apt (mode ${existing?.mode ?? '?'}, a+r)` : `${before === null ? 'install' : 'replace'} ${path} (sha256:${wanted.slice(0, 16)}…)`;
    return [
      {
        kind: 'apt_key.keyring',
        target: path,
        summary,
        before,
        after: `sha256:${wanted}`,
        payload: { path, bytes: sameBytes ? null : source.bytes, makeReadable: unreadable },
      },
    ];
  },
  async apply(ctx, changes) {
    for (const change of changes) {
      if (change.kind === 'apt_key.remove') {
        await ctx.exec(sh`rm -f -- ${change.payload.path}`);
        continue;
      }
      await ctx.exec(sh`mkdir -p -m 0755 -- ${KEYRINGS_DIR}`);
      // apt reads keyrings as the unprivileged _apt user: a new one is world-readable.
      if (change.payload.bytes) await ctx.put(change.payload.path, change.payload.bytes, { mode: 0o644, keepExisting: true });
      if (change.payload.makeReadable) await ctx.exec(sh`chmod a+r -- ${change.payload.path}`);
    }
  },
});
