import { quote } from '../command.js';

/**
 * The per-host lock a run holds on each host it works on, so two runs never interleave their
 * changes on one host (and a check-mode run never reads a half-applied one).
 *
 * It is an flock(1) held by a process on the host whose stdin is an SSH channel of the run's own
 * connection: when the connection goes (the run ends, the controller crashes, the network drops),
 * the process reads EOF and exits, and the kernel drops the lock. No lock file can go stale.
 */
export interface HostLockRequest {
  /** Random per run: a second connection of the same run (two inventory names, one machine) shares the lock. */
  runId: string;
  /** Who holds it, written into the lock file for whoever has to wait: controller, pid, start time. */
  holder: string;
  /** How long to wait for another run's lock before refusing with HOST_LOCKED. */
  waitMs: number;
}

export type HostLockState =
  /** This connection holds the lock until it closes. */
  | { state: 'held' }
  /** Another connection of the same run holds it. */
  | { state: 'shared' }
  /** No lock can be taken (flock(1) missing, the lock file not openable): the run goes on unlocked, with a warning. */
  | { state: 'unsupported'; reason: string }
  /** Another run held it for the whole wait. */
  | { state: 'busy'; holder: string };

export const HOST_LOCK_PATH = '/run/lock/meshbook.lock';
const REPLY = 'MBLOCK';

/**
 * The remote side, one `sh -c` on its own exec channel (one round trip). It replies with one
 * `MBLOCK <state> [holder]` line; when it holds the lock it then blocks reading the channel.
 * The file is opened read-only (no O_CREAT): flock needs no write access, so runs as root and as
 * a sudo user share one lock whoever created the file.
 */
export function hostLockScript(request: HostLockRequest, path = HOST_LOCK_PATH): string {
  const waitSeconds = Math.max(0, Math.ceil(request.waitMs / 1000));
  const holderLine = `run=${request.runId} ${request.holder}`;
  return [
    `f=${quote(path)}; run=${quote(`run=${request.runId}`)}`,
    // Hosts without /run/lock (older or minimal systems) lock in /tmp instead.
    `[ -d "\${f%/*}" ] || f=/tmp/\${f##*/}`,
    `command -v flock >/dev/null 2>&1 || { echo '${REPLY} unsupported flock(1) is not installed'; exit 0; }`,
    `[ -e "$f" ] || (umask 022; : >>"$f") 2>/dev/null`,
    // Tried in a subshell first: a failed `exec` redirection ends a POSIX shell outright.
    `(exec 9<"$f") 2>/dev/null || { echo "${REPLY} unsupported cannot open $f"; exit 0; }`,
    `exec 9<"$f"`,
    `end=$(( $(date +%s) + ${waitSeconds} ))`,
    `while ! flock -n 9; do`,
    `  grep -qsF -- "$run" "$f" && { echo '${REPLY} shared'; exit 0; }`,
    `  [ "$(date +%s)" -ge "$end" ] && { printf '${REPLY} busy %s\\n' "$(head -c 400 "$f" | tr '\\n' ' ')"; exit 0; }`,
    `  sleep 0.2`,
    `done`,
    // Best effort: a file created by another user in sticky /run/lock may refuse the write.
    `(printf '%s\\n' ${quote(holderLine)} >"$f") 2>/dev/null`,
    `echo '${REPLY} held'`,
    // cat inherits fd 9 and reads the channel: EOF (connection gone) ends it and frees the lock.
    `exec cat >/dev/null`,
  ].join('\n');
}

/** The state from the script's output so far, or undefined while its reply line is incomplete. */
export function parseHostLockReply(output: string): HostLockState | { state: 'error'; message: string } | undefined {
  const line = output.split('\n').find((l, i, all) => l.startsWith(`${REPLY} `) && i < all.length - 1);
  if (line === undefined) return undefined;
  const [, state = '', ...rest] = line.split(' ');
  const detail = rest.join(' ').trim();
  if (state === 'held' || state === 'shared') return { state };
  if (state === 'unsupported') return { state, reason: detail || 'no reason given' };
  if (state === 'busy') return { state: 'busy', holder: detail.replace(/^run=\S+\s*/, '') || 'unknown (the lock file names no holder)' };
  return { state: 'error', message: detail || line };
}
