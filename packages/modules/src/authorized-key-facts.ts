import { MeshbookError, defineFact, sh } from '@meshbook/engine';
import { normalizeMode, textOf } from './lib/file-facts.js';
import { decodeBase64Line, keyValueLines } from './lib/fact-lines.js';

/** What authorizedKey reads on a host, in one command: the account, its key file and that file's directory. */
export interface AuthorizedKeysFacts {
  /** null: no such user. */
  account: { uid: number; gid: number; home: string } | null;
  /** The key file: `path`, or the user's ~/.ssh/authorized_keys. */
  path: string;
  directory: PathState | null;
  file: (PathState & { realPath: string; text: string | null }) | null;
}

export interface PathState {
  type: 'file' | 'directory' | 'other';
  /** Four octal digits. */
  mode: string;
  uid: number;
  gid: number;
}

// Trusted script; the user and path come in quoted. The key file's path is derived from the passwd
// entry here, so a user's home costs no second round trip.
const SCRIPT = `
e=$(getent passwd -- "$u") || { echo nouser; exit 0; }
printf 'passwd '; printf '%s' "$e" | base64 -w0; echo
[ -n "$f" ] || f="$(printf '%s\\n' "$e" | cut -d: -f6)/.ssh/authorized_keys"
printf 'path '; printf '%s' "$f" | base64 -w0; echo
d=$(dirname -- "$f")
if [ -e "$d" ]; then printf 'dir %s\\n' "$(stat -L -c '%F|%a|%u|%g' -- "$d")" || exit 3; fi
if [ -e "$f" ]; then
  printf 'file %s\\n' "$(stat -L -c '%F|%a|%u|%g' -- "$f")" || exit 3
  printf 'real '; readlink -f -- "$f" | base64 -w0; echo
  if [ -f "$f" ]; then printf 'content '; base64 -w0 < "$f" || exit 3; echo; fi
fi`;

export const authorizedKeysState = defineFact<{ user: string; path: string | null }, AuthorizedKeysFacts>({
  name: 'authorizedKey.state',
  command: ({ user, path }) => sh`u=${user}; f=${path ?? ''};${sh.raw(SCRIPT)}`,
  parse: (result, { user, path }) => {
    if (result.exitCode !== 0) {
      throw new MeshbookError('COMMAND_FAILED', `reading ${path ?? `${user}'s authorized_keys`} failed`, { exitCode: result.exitCode, stderr: result.stderr });
    }
    return parseAuthorizedKeysState(result.stdout, path);
  },
});

function pathState(stat: string): PathState {
  const [kind = '', mode = '', uid = '', gid = ''] = stat.split('|');
  return { type: kind.startsWith('regular') ? 'file' : kind === 'directory' ? 'directory' : 'other', mode: normalizeMode(mode), uid: Number(uid), gid: Number(gid) };
}

export function parseAuthorizedKeysState(stdout: string, path: string | null): AuthorizedKeysFacts {
  const facts: AuthorizedKeysFacts = { account: null, path: path ?? '', directory: null, file: null };
  for (const [key, value] of keyValueLines(stdout)) {
    if (key === 'passwd') {
      const [, , uid = '', gid = '', , home = ''] = decodeBase64Line(value).split(':');
      facts.account = { uid: Number(uid), gid: Number(gid), home };
    } else if (key === 'path') facts.path = decodeBase64Line(value);
    else if (key === 'dir') facts.directory = pathState(value);
    else if (key === 'file') facts.file = { ...pathState(value), realPath: facts.path, text: null };
    else if (key === 'real' && facts.file) facts.file.realPath = decodeBase64Line(value) || facts.path;
    else if (key === 'content' && facts.file) facts.file.text = textOf(Buffer.from(value, 'base64'));
  }
  return facts;
}
