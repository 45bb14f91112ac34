import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { sh, type ShellCommand } from '../../command.js';

/** Where put writes before the rename: a hidden file beside the destination, so rename is atomic. */
export function tempPathFor(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.meshbook-${randomBytes(6).toString('hex')}`);
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The remote half of put, in one round trip: the content arrives on stdin, goes to a 0600 temp
 * file created exclusively (set -C), gets owner and mode, is checked against the sha256 computed
 * here, and is renamed over the destination. Any failing step removes the temp file.
 * sha256sum reads stdin: given a name holding a backslash or a newline, it would escape the name
 * and prefix its line with '\\', and the hash would never match.
 */
export function putScript(path: string, tmp: string, sha256: string, mode: number, owner?: string, group?: string): ShellCommand {
  const modeText = (mode & 0o7777).toString(8).padStart(4, '0');
  let ownership = sh``;
  if (owner && group) ownership = sh`chown -- ${`${owner}:${group}`} "$t" || fail 'chown failed'`;
  else if (owner) ownership = sh`chown -- ${owner} "$t" || fail 'chown failed'`;
  else if (group) ownership = sh`chgrp -- ${group} "$t" || fail 'chgrp failed'`;
  return sh`t=${tmp}; p=${path}
fail() { rm -f -- "$t" 2>/dev/null; printf 'meshbook put: %s\\n' "$1" >&2; exit 1; }
trap 'rm -f -- "$t"' HUP TERM INT
[ -d "$p" ] && fail 'the destination is a directory'
umask 077
(set -C; cat > "$t") || fail 'cannot create the temporary file'
${ownership}
chmod ${modeText} "$t" || fail 'chmod failed'
s=$(sha256sum < "$t") || fail 'sha256sum failed'
[ "\${s%% *}" = ${sha256} ] || fail 'checksum mismatch after writing'
mv -f -- "$t" "$p" || fail 'rename failed'`;
}

export function getScript(path: string): ShellCommand {
  return sh`base64 < ${path}`;
}

export function removeScript(tmp: string): ShellCommand {
  return sh`rm -f -- ${tmp}`;
}
