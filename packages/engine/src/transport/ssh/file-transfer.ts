import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { sh, type ShellCommand } from '../../command.js';

/** Where put writes before the rename: a hidden file beside the destination, so rename is atomic. */
export function tempPathFor(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.meshbook-${randomBytes(6).toString('hex')}`);
}

/**
 * The remote half of put, in one round trip: the content comes in the script itself as one
 * single-quoted base64 word (so a script cut short by a dropped connection is an unterminated
 * quote and runs nothing) and is decoded into a temp file created empty and exclusively (set -C)
 * and made 0600 before any byte is written; the file gets owner and mode, is checked against the
 * sha256 computed here, and is renamed over the destination. Any failing step removes the temp
 * file. The chmod before the write is not redundant with `umask 077`: in a directory with a default
 * ACL the kernel ignores the umask, and the file would take the ACL's permissions (a secret left
 * group- or world-readable, during the write and after). Decoding straight into the file saves the
 * `cat` and the pipe into a subshell that content on stdin needed.
 * sha256sum reads stdin: given a name holding a backslash or a newline, it would escape the name
 * and prefix its line with '\\', and the hash would never match.
 *
 * Durable as well as atomic: the temp file is synced before the rename, and its directory after
 * it (the rename lives in the directory), so a power cut cannot leave an empty file behind on a
 * filesystem that delays allocation (XFS, ext4 without auto_da_alloc).
 */
export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface PutAttributes {
  mode: number;
  owner?: string;
  group?: string;
  /** An existing destination's mode, owner, group and extended attributes win (PutOptions.keepExisting). */
  keepExisting?: boolean;
  /** Missing parent directories are made first, under the session's umask (PutOptions.createParents). */
  createParents?: boolean;
}

export function putScript(path: string, tmp: string, data: Buffer, sha256: string, attributes: PutAttributes): ShellCommand {
  const { mode, owner, group } = attributes;
  const bits = mode & 0o7777;
  let ownership = sh``;
  if (owner && group) ownership = sh`chown -- ${`${owner}:${group}`} "$t" || fail 'chown failed'`;
  else if (owner) ownership = sh`chown -- ${owner} "$t" || fail 'chown failed'`;
  else if (group) ownership = sh`chgrp -- ${group} "$t" || fail 'chgrp failed'`;
  // Set after the write: written by a user without CAP_FSETID, a setuid file would lose the bit.
  let chmod = bits === 0o600 ? sh`` : sh`chmod ${bits.toString(8).padStart(4, '0')} "$t" || fail 'chmod failed'`;
  if (attributes.keepExisting) {
    // Owner before mode (chown clears setuid bits), extended attributes last (chown clears a file
    // capability). cp copies every xattr the filesystem keeps (system.posix_acl_*, security.selinux,
    // security.capability); a filesystem without xattrs has none to keep, so its failure is ignored.
    chmod = sh`if [ -e "$p" ]; then
chown --reference="$p" -- "$t" || fail 'cannot give the new file the owner of the one it replaces'
chmod --reference="$p" -- "$t" || fail 'cannot give the new file the mode of the one it replaces'
cp --attributes-only --preserve=xattr -- "$p" "$t" 2>/dev/null || true
else
${ownership}
${chmod}
fi`;
    ownership = sh``;
  }
  // Before `umask 077`: the directories get the mode a separate mkdir -p would have given them.
  const parent = posix.dirname(path);
  const parents = attributes.createParents ? sh`[ -d ${parent} ] || mkdir -p -- ${parent} || fail 'cannot make the parent directories'` : sh``;
  return sh`t=${tmp}; p=${path}
fail() { rm -f -- "$t" 2>/dev/null; printf 'meshbook put: %s\\n' "$1" >&2; exit 1; }
trap 'rm -f -- "$t"' HUP TERM INT
${parents}
[ -d "$p" ] && fail 'the destination is a directory'
d=${contentWord(data)}
umask 077
set -C
: > "$t" || fail 'cannot create the temporary file'
set +C
chmod 0600 "$t" || fail 'chmod failed'
printf %s "$d" | base64 -d >> "$t" || fail 'cannot write the temporary file'
${ownership}
${chmod}
s=$(sha256sum < "$t") || fail 'sha256sum failed'
[ "\${s%% *}" = ${sha256} ] || fail 'checksum mismatch after writing'
sync -- "$t" || fail 'sync failed'
mv -f -- "$t" "$p" || fail 'rename failed'
dir=\${p%/*}
sync -- "\${dir:-/}" 2>/dev/null || true`;
}

/** Always quoted (base64 would pass unquoted: the quote is what makes a cut-short script inert); never displayed. */
function contentWord(data: Buffer): ShellCommand {
  return { text: `'${data.toString('base64')}'`, display: `<${data.length} bytes>` };
}

export function getScript(path: string): ShellCommand {
  return sh`base64 < ${path}`;
}

export function removeScript(tmp: string): ShellCommand {
  return sh`rm -f -- ${tmp}`;
}
