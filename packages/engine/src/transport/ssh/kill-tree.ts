import { randomBytes } from 'node:crypto';
import type { FramedCommand } from '../framing.js';

/**
 * Killing a timed-out command, with everything it started, through the command's own session.
 *
 * A kept shell runs one command at a time, and while it runs the shell reads nothing from its
 * stdin (the command's stdin is /dev/null or its own pipe). So each command gets a watcher: a
 * subshell that reads the session's stdin (fd 8, a copy of it) until the command ends. The
 * controller's kill request is one newline on the session's stdin: no new channel is opened,
 * which sshd's MaxSessions could refuse. When the command ended first, the watcher is gone before
 * the command's end line is printed, and a late newline reaches the shell as an empty line.
 *
 * What is killed: every process whose environment carries the command's tag (a daemon that called
 * setsid or forked twice keeps its environment, and /proc/PID/environ shows it), then every
 * process of the shell's session (what cleared its environment but stayed), the shell included:
 * the session is replaced afterwards.
 */

/** The environment variable that marks a command's processes. */
export const COMMAND_TAG_VARIABLE = 'MESHBOOK_COMMAND_TAG';

/** What the controller writes on the session's stdin to have the running command killed. */
export const KILL_REQUEST = '\n';

export function newCommandTag(): string {
  return randomBytes(12).toString('hex');
}

/**
 * `__mb_kill TAG PID`: kills the processes of the kept shell PID's session (the shell included),
 * then those tagged TAG, sparing only the caller. The channel closes once the caller ends too (it
 * holds a copy of the shell's stdout), so a closed channel means the kill is done. Builtins apart
 * from one grep per pass; three passes catch a tagged child forked while the first one ran.
 */
export const KILL_FUNCTION = [
  '__mb_kill() {',
  `  __mb_t=$1; __mb_sh=$2; unset ${COMMAND_TAG_VARIABLE}`,
  '  read -r __mb_me __mb_s </proc/self/stat',
  '  { read -r __mb_s </proc/$__mb_sh/stat; } 2>/dev/null || __mb_s=',
  '  __mb_s=${__mb_s##*) }; set -- $__mb_s; __mb_sid=${4:-none}',
  // The session first, the shell with it: a command killed under a live shell or subshell would
  // let it run on to its next line.
  '  __mb_session_kill',
  '  for __mb_i in 1 2 3; do',
  `    __mb_p=$(grep -lzxF "${COMMAND_TAG_VARIABLE}=$__mb_t" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3)`,
  '    [ -n "$__mb_p" ] || break',
  '    kill -9 $__mb_p 2>/dev/null',
  '  done',
  '}',
  '__mb_session_kill() {',
  '  __mb_p=',
  '  for __mb_f in /proc/[0-9]*/stat; do',
  '    { read -r __mb_s <"$__mb_f"; } 2>/dev/null || continue',
  '    __mb_s=${__mb_s##*) }; set -- $__mb_s',
  '    __mb_f=${__mb_f#/proc/}; __mb_f=${__mb_f%/stat}',
  '    [ "$4" = "$__mb_sid" ] && [ "$__mb_f" != "$__mb_me" ] && __mb_p="$__mb_p $__mb_f"',
  '  done',
  '  [ -z "$__mb_p" ] || kill -9 $__mb_p 2>/dev/null',
  '}',
].join('\n');

/**
 * The text a kept shell is given for `frames`: one brace group, so the shell has read all of it
 * before anything runs (a watcher never reads a byte of the script). The tag is exported for the
 * commands only. One watcher serves all the frames: a kill request during any of them ends the
 * session (the shell included), whichever frame runs; it is stopped before the last end line is
 * printed, so once the controller has seen every end line, no watcher is left to read a late
 * request. `defineKill`: the session's first script also defines the kill function.
 */
export function watchedScript(frames: readonly FramedCommand[], tag: string, defineKill: boolean): string {
  const last = frames.length - 1;
  const watched = frames.map(({ parts }, i) =>
    [
      parts.begin,
      // The command gets neither the session's stdin copy nor the lock's fd.
      `{ ${parts.run}; } 8<&-`,
      ...(i === last ? ['kill $__mb_w 2>/dev/null; wait $__mb_w 2>/dev/null'] : []),
      `${parts.end}\n`,
    ].join('; '),
  );
  // The watcher: no copy of the host lock's fd 9, no tag of its own (its grep must not match).
  const watcher = `( exec 9<&-; unset ${COMMAND_TAG_VARIABLE}; IFS= read -r __mb_k <&8 || exit 0; __mb_kill ${tag} $$ ) & __mb_w=$!\n`;
  return `${defineKill ? `${KILL_FUNCTION}\n` : ''}{ exec 8<&0; export ${COMMAND_TAG_VARIABLE}=${tag}\n${frames.length > 0 ? watcher : ''}${watched.join('')}unset ${COMMAND_TAG_VARIABLE}; }\n`;
}

/** Run in another shell of the same user when the session itself did not answer the kill request. */
export function killFromElsewhere(tag: string, pid: number): string {
  return `${KILL_FUNCTION}\n__mb_kill ${tag} ${pid}`;
}
