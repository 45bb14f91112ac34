import { defineFact, MeshbookError, sh, sha256 } from '@meshbook/engine';
import type { FactRequest } from '@meshbook/engine';
import { decodeBase64Line, keyValueLines } from './fact-lines.js';

/** What a path is, after following a symlink (like `test -e` / `stat -L`). */
export type FileType = 'file' | 'directory' | 'other';

/**
 * One path on a host, read in one command: what is there (following symlinks), the link itself if
 * it is one, mode/owner/group, size, sha256 and, for small regular files, the content.
 */
export interface FileState {
  /** The path as asked for. */
  path: string;
  /** Something exists at the path after following symlinks (a broken link counts as absent). */
  exists: boolean;
  type: FileType | null;
  /** The path itself is a symlink (maybe broken). */
  isLink: boolean;
  /** The symlink's target as stored in the link (readlink), when `isLink`. */
  linkTarget: string | null;
  /** The symlink's own owner and group, when `isLink` (what chown -h changes). */
  linkOwner: { owner: string; group: string; uid: number; gid: number } | null;
  /** `device:inode` of what the path resolves to: two hard links to one file share it. */
  inode: string | null;
  /** The path content modules write to: the link resolved (readlink -f), else `path`. */
  realPath: string;
  /**
   * The file is itself a mount point (a bind-mounted file, as Docker does with /etc/hosts): it
   * cannot be replaced by a rename, only rewritten in place.
   */
  mountPoint: boolean;
  /** Four octal digits, '0644'; null when absent. */
  mode: string | null;
  owner: string | null;
  group: string | null;
  uid: number | null;
  gid: number | null;
  size: number | null;
  /** Hex sha256 of a regular file's bytes; null for anything else. */
  sha256: string | null;
  /** The bytes of a regular file no larger than the limit asked for; null otherwise. */
  bytes: Buffer | null;
  /** `bytes` as UTF-8 text when they are text (valid UTF-8, no NUL); null otherwise. */
  text: string | null;
}

export interface FileStateArgs {
  path: string;
  /** Fetch the content of regular files up to this size (bytes); 0 fetches none. */
  maxContentBytes: number;
}

/** Default content limit: small enough to fetch for a diff on every run. */
export const DIFF_CONTENT_LIMIT = 256 * 1024;
/** For modules that edit text in place (lineinfile, blockinfile, hosts): they need the whole file. */
export const EDIT_CONTENT_LIMIT = 16 * 1024 * 1024;

// Trusted script text; the path and limit come in as quoted shell variables. POSIX sh (dash) only:
// no pipefail, so each command whose failure matters is checked on its own. The size for the
// content limit is cut out of the stat line (%F|%a|%U|%G|%s|...) rather than asked again: every
// exec is milliseconds on a small host, and this script runs for every file a play checks.
const STATE_SCRIPT = `
if [ -L "$p" ]; then printf 'link '; readlink -- "$p" | base64 -w0; echo; printf 'real '; readlink -f -- "$p" | base64 -w0; echo; printf 'lstat %s\\n' "$(stat -c '%U|%G|%u|%g' -- "$p")"; fi
if [ -e "$p" ]; then
  s=$(stat -L -c '%F|%a|%U|%G|%s|%u|%g|%d:%i' -- "$p") || exit 3
  printf 'stat %s\\n' "$s"
  if [ -f "$p" ]; then
    mountpoint -q -- "$p" 2>/dev/null && echo mountpoint
    z=\${s#*|*|*|*|}; z=\${z%%|*}
    if [ "$z" -le "$m" ]; then printf 'content '; base64 -w0 < "$p" || exit 3; echo
    else h=$(sha256sum < "$p") || exit 3; printf 'sha256 %s\\n' "\${h%% *}"; fi
  fi
else echo absent; fi`;

const fileStateDefinition = defineFact<FileStateArgs, FileState>({
  name: 'file.state',
  // The path, and where its links lead (what stat -L read).
  reads: ({ path }, state) => [path, state.realPath],
  command: ({ path, maxContentBytes }) => sh`p=${path}; m=${Math.max(0, Math.floor(maxContentBytes))};${sh.raw(STATE_SCRIPT)}`,
  parse: (result, { path }) => {
    if (result.exitCode !== 0) {
      throw new MeshbookError('COMMAND_FAILED', `reading the state of ${path} failed`, {
        exitCode: result.exitCode,
        stderr: result.stderr,
      });
    }
    return parseFileState(path, result.stdout);
  },
});

/** The state of one path; several of these (and other facts) still cost one round trip via ctx.facts. */
export function fileState(path: string, maxContentBytes: number = DIFF_CONTENT_LIMIT): FactRequest<FileState> {
  return fileStateDefinition({ path, maxContentBytes });
}

/** Fact name, for a module's `invalidates` list. */
export const FILE_STATE_FACT = 'file.state';

/** The state of a path that does not exist: where parsing starts, and what plan fixtures build on. */
export function absentFileState(path: string): FileState {
  return {
    path,
    exists: false,
    type: null,
    isLink: false,
    linkTarget: null,
    linkOwner: null,
    inode: null,
    realPath: path,
    mountPoint: false,
    mode: null,
    owner: null,
    group: null,
    uid: null,
    gid: null,
    size: null,
    sha256: null,
    bytes: null,
    text: null,
  };
}

export function parseFileState(path: string, stdout: string): FileState {
  const state = absentFileState(path);
  for (const [key, value] of keyValueLines(stdout)) {
    switch (key) {
      case 'link':
        state.isLink = true;
        state.linkTarget = decodeBase64Line(value);
        break;
      case 'real': {
        const real = decodeBase64Line(value);
        if (real) state.realPath = real;
        break;
      }
      case 'stat': {
        const [kind = '', mode = '', owner = '', group = '', size = '', uid = '', gid = '', inode = ''] = value.split('|');
        state.inode = inode || null;
        state.exists = true;
        state.type = kind.startsWith('regular') ? 'file' : kind === 'directory' ? 'directory' : 'other';
        state.mode = normalizeMode(mode);
        state.owner = owner;
        state.group = group;
        state.size = Number(size);
        state.uid = Number(uid);
        state.gid = Number(gid);
        break;
      }
      case 'lstat': {
        const [owner = '', group = '', uid = '', gid = ''] = value.split('|');
        state.linkOwner = { owner, group, uid: Number(uid), gid: Number(gid) };
        break;
      }
      case 'content': {
        const bytes = Buffer.from(value, 'base64');
        state.bytes = bytes;
        state.sha256 = sha256(bytes);
        state.text = textOf(bytes);
        break;
      }
      case 'sha256':
        state.sha256 = value.trim();
        break;
      case 'mountpoint':
        state.mountPoint = true;
        break;
    }
  }
  return state;
}

export { sha256 } from '@meshbook/engine';

/** UTF-8 text when the bytes are text (decode round-trips and no NUL), else null. */
export function textOf(bytes: Buffer): string | null {
  if (bytes.includes(0)) return null;
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : null;
}

/** '644' or '4755' (stat %a) or a number → four octal digits. */
export function normalizeMode(mode: string | number): string {
  const value = typeof mode === 'number' ? mode : parseInt(mode, 8);
  return value.toString(8).padStart(4, '0');
}
