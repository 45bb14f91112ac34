import { defineFact, joinCommands, MeshbookError, sh, sha256 } from '@meshbook/engine';
import type { FactGroupSection, FactRequest, ShellCommand } from '@meshbook/engine';
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
// content limit is cut out of the stat line (%F|%a|%U|%G|%s|...) rather than asked again.
//
// One function for one path ($p, limit $m), used by the single and the grouped command alike, so
// both print the same: $s is the path's stat line when the group already read it (empty: stat it
// here), $k says its name may be a mount target (empty: no mount ends in that name, so
// `mountpoint` would answer no). A failure returns 3, which ends the single command's subshell with
// that status and leaves a group's next paths to run.
const STAT_FORMAT = '%F|%a|%U|%G|%s|%u|%g|%d:%i';
const STATE_FUNCTION = `__mb_fs() {
l=
if [ -L "$p" ]; then l=1; printf 'link '; readlink -- "$p" | base64 -w0; echo; printf 'real '; readlink -f -- "$p" | base64 -w0; echo; printf 'lstat %s\\n' "$(stat -c '%U|%G|%u|%g' -- "$p")"; fi
if [ -e "$p" ]; then
  [ -n "$s" ] || s=$(stat -L -c '${STAT_FORMAT}' -- "$p") || return 3
  printf 'stat %s\\n' "$s"
  if [ -f "$p" ]; then
    if [ -n "$l$k" ]; then mountpoint -q -- "$p" 2>/dev/null && echo mountpoint; fi
    z=\${s#*|*|*|*|}; z=\${z%%|*}
    if [ "$z" -le "$m" ]; then printf 'content '; base64 -w0 < "$p" || return 3; echo
    else h=$(sha256sum < "$p") || return 3; printf 'sha256 %s\\n' "\${h%% *}"; fi
  fi
else echo absent; fi
}`;

const limitOf = (maxContentBytes: number) => Math.max(0, Math.floor(maxContentBytes));

const fileStateDefinition = defineFact<FileStateArgs, FileState>({
  name: 'file.state',
  // The path, and where its links lead (what stat -L read).
  reads: ({ path }, state) => [path, state.realPath],
  command: ({ path, maxContentBytes }) => sh`${sh.raw(STATE_FUNCTION)}
p=${path}; m=${limitOf(maxContentBytes)}; s=; k=1; __mb_fs`,
  grouped: (requests, sections) => groupedStateCommand(requests, sections),
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

/**
 * Many paths in one command, for a few processes in all instead of a few per path: one `stat` for
 * every path that exists, the mount targets read once (then `mountpoint` only for a regular file
 * whose name ends a target, or that is a link), the contents read by one `base64` each, no
 * subshell per path. Each path's part prints what its own command prints (STATE_FUNCTION).
 */
function groupedStateCommand(requests: readonly FileStateArgs[], sections: readonly FactGroupSection[]): ShellCommand {
  const lines: ShellCommand[] = [sh`${sh.raw(STATE_FUNCTION)}`, sh`set --`];
  requests.forEach(({ path }, i) => {
    lines.push(sh`${sh.raw(`P${i}`)}=${path}; ${sh.raw(`E${i}`)}=; if [ -e "$${sh.raw(`P${i}`)}" ]; then ${sh.raw(`E${i}`)}=1; set -- "$@" "$${sh.raw(`P${i}`)}"; fi`);
  });
  // Every existing path's stat line, in order; on any failure (a path gone meanwhile) or a line
  // count that does not match, each path stats itself as its own command does.
  lines.push(sh`${sh.raw(`N=$#; S=; if [ $N -gt 0 ]; then S=$(stat -L -c '${STAT_FORMAT}' -- "$@" 2>/dev/null) || S=; fi
IFS='
'; set -f; set -- $S; set +f; unset IFS
[ $# -eq $N ] || { S=; set --; }
K=1; T=
case "$S" in *regular*) T=$(cut -d' ' -f5 /proc/self/mountinfo 2>/dev/null) && [ -n "$T" ] && K= && T="$T
" ;; esac`)}`);
  requests.forEach(({ path, maxContentBytes }, i) => {
    const v = (name: string) => sh.raw(`${name}${i}`);
    lines.push(sh`s=; if [ -n "$${v('E')}" ] && [ -n "$S" ]; then s=$1; shift; fi; k=$K; ${mountCandidate(path)}`);
    lines.push(sh`${sections[i]!.begin}; p=$${v('P')}; m=${limitOf(maxContentBytes)}; __mb_fs; ${sections[i]!.end}`);
  });
  return joinCommands(lines, '\n');
}

/** A name mountinfo shows as it is: the kernel escapes space, tab, newline and backslash there. */
const MOUNTINFO_NAME = /^[A-Za-z0-9._+:@%=,-]+$/;

/**
 * Shell text setting `k=1` when a mount target ends in the path's last name. A regular file that
 * is a mount point (`mountpoint`: the path, or where it resolves, is a target) ends in its own
 * name when it is not a link; links always ask `mountpoint`. Names the kernel would escape in
 * mountinfo (space, tab, newline, backslash) and any other unusual name always ask too.
 */
function mountCandidate(path: string): ShellCommand {
  const name = path.replace(/\/+$/, '').split('/').pop() ?? '';
  if (!MOUNTINFO_NAME.test(name)) return sh`k=1`;
  return sh`case "$T" in */${name}${'\n'}*) k=1;; esac`;
}

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
