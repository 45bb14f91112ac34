import { defineFact, joinCommands, MeshbookError, sh, sha256 } from '@meshbook/engine';
import type { CommandResult, FactGroupSection, FactRequest, ShellCommand } from '@meshbook/engine';
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
// that status and leaves a group's next paths to run. In a group, $q (the shared read's byte budget;
// empty: none) lets a readable file's content be read with the others' in the shared section: the
// part prints `shared` where `content ...` would be, and groupedStateResults puts that line back.
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
    if [ "$z" -gt "$m" ]; then h=$(sha256sum < "$p") || return 3; printf 'sha256 %s\\n' "\${h%% *}"
    elif [ -n "$q" ] && [ "$z" -gt 0 ] && [ $((t + z)) -le "$q" ] && [ -r "$p" ]; then t=$((t + z)); R="$R $i"; echo shared
    else printf 'content '; base64 -w0 < "$p" || return 3; echo; fi
  fi
else echo absent; fi
}`;

const limitOf = (maxContentBytes: number) => Math.max(0, Math.floor(maxContentBytes));

const fileStateDefinition = defineFact<FileStateArgs, FileState>({
  name: 'file.state',
  // The path, and where its links lead (what stat -L read).
  reads: ({ path }, state) => [path, state.realPath],
  command: ({ path, maxContentBytes }) => sh`${sh.raw(STATE_FUNCTION)}
p=${path}; m=${limitOf(maxContentBytes)}; s=; k=1; q=; __mb_fs`,
  grouped: (requests, sections, shared) => groupedStateCommand(requests, sections, shared),
  groupedResults: (requests, parts, shared) => groupedStateResults(requests, parts, shared),
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
function groupedStateCommand(requests: readonly FileStateArgs[], sections: readonly FactGroupSection[], shared?: FactGroupSection): ShellCommand {
  const lines: ShellCommand[] = [sh`${sh.raw(STATE_FUNCTION)}`, sh`set --; R=; t=0`];
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
    const budget = shared && !PSEUDO_FILES.test(path) ? SHARED_READ_BYTES : '';
    lines.push(sh`${sections[i]!.begin}; p=$${v('P')}; m=${limitOf(maxContentBytes)}; i=${i}; q=${budget}; __mb_fs; ${sections[i]!.end}`);
  });
  if (shared) lines.push(sh`${shared.begin}; ${sh.raw(SHARED_READ)}; ${shared.end}`);
  return joinCommands(lines, '\n');
}

/** What the contents read together may add up to (bytes): a group's output stays far below the output cap. */
const SHARED_READ_BYTES = 1024 * 1024;
/** Files whose stat size is not their content's (procfs, sysfs): read alone, never in the shared read. */
const PSEUDO_FILES = /^\/+(proc|sys)(\/|$)/;
/** From this many files on, one `cat | base64` and one `sha256sum` (3 processes) beat a `base64` each. */
const SHARED_CAT_FROM = 4;

// The shared section: the files the parts marked `shared` (indexes in $R, paths in $P<i>), read in
// one go when there are enough of them: `cat` line, their concatenation in base64, then sha256sum's
// line per file (the check that each cut of the concatenation is that file's content: a file that
// changed size between the stat and the read would shift the cuts). Else an `each` line and a base64
// line per file. Any failure gives a non-zero status; groupedStateResults then gives up.
const SHARED_READ = `set --; for j in $R; do eval "set -- \\"\\$@\\" \\"\\$P$j\\""; done
if [ $# -ge ${SHARED_CAT_FROM} ]; then echo cat; cat -- "$@" | base64 -w0 && echo && sha256sum -- "$@"
else echo each; r=0; for f; do base64 -w0 < "$f" || r=1; echo; done; [ $r -eq 0 ]; fi`;

/**
 * Each path's own output from its part and the shared section: its `shared` line becomes the
 * `content <base64>` line its own command prints. Undefined (every path then runs its own command)
 * unless the shared section succeeded quietly, holds exactly the marked files' bytes at the sizes
 * their stat lines gave, and every file's cut has the sha256 that sha256sum read.
 */
function groupedStateResults(requests: readonly FileStateArgs[], parts: readonly CommandResult[], shared: CommandResult): CommandResult[] | undefined {
  if (shared.exitCode !== 0 || shared.stderr !== '') return undefined;
  const marked: number[] = [];
  parts.forEach((part, i) => {
    if (sharedLineAt(part.stdout) >= 0) marked.push(i);
  });
  const lines = shared.stdout.split('\n');
  if (lines[lines.length - 1] !== '') return undefined;
  lines.pop();
  const mode = lines.shift();
  let contents: string[];
  if (mode === 'each') {
    if (lines.length !== marked.length || !lines.every((line) => BASE64_LINE.test(line))) return undefined;
    contents = lines;
  } else if (mode === 'cat') {
    const [all = '', ...sums] = lines;
    if (!BASE64_LINE.test(all) || sums.length !== marked.length) return undefined;
    const bytes = Buffer.from(all, 'base64');
    if (bytes.toString('base64') !== all) return undefined;
    contents = [];
    let at = 0;
    for (const [j, i] of marked.entries()) {
      const size = sizeOfStatLine(parts[i]!.stdout);
      if (size === undefined || at + size > bytes.length) return undefined;
      const cut = bytes.subarray(at, at + size);
      at += size;
      if (sums[j]!.slice(0, 65) !== `${sha256(cut)} ` && sums[j]!.slice(0, 66) !== `\\${sha256(cut)} `) return undefined;
      contents.push(cut.toString('base64'));
    }
    if (at !== bytes.length) return undefined;
  } else return undefined;
  if (requests.length !== parts.length) return undefined;
  const out = parts.map((part) => ({ ...part }));
  marked.forEach((i, j) => {
    const stdout = out[i]!.stdout;
    const at = sharedLineAt(stdout);
    out[i]!.stdout = `${stdout.slice(0, at)}content ${contents[j]}\n${stdout.slice(at + SHARED_LINE.length)}`;
  });
  return out;
}

const SHARED_LINE = 'shared\n';
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Where the part's `shared` line starts (-1: none): a line of its own, the only one. */
function sharedLineAt(stdout: string): number {
  const after = stdout.indexOf(`\n${SHARED_LINE}`);
  const at = stdout.startsWith(SHARED_LINE) ? 0 : after < 0 ? -1 : after + 1;
  if (at < 0) return -1;
  return stdout.indexOf(`\n${SHARED_LINE}`, at) >= 0 ? -1 : at;
}

/** The size field of a part's stat line, cut as the script cuts it (after the fourth `|`). */
function sizeOfStatLine(stdout: string): number | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('stat '));
  const size = line?.slice(5).split('|')[4];
  return size !== undefined && /^[0-9]+$/.test(size) ? Number(size) : undefined;
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
