import { escapeControl } from '../escape-control.js';
import { quote } from '../command.js';
import { MeshbookError } from '../errors.js';

/**
 * The per-host lock a run holds on each host it works on, so two runs never interleave their
 * changes on one host (and a check-mode run never reads a half-applied one).
 *
 * It is an flock(1) on fd 9 of a shell of the run's SSH connection that runs nothing else: it
 * takes the lock in its bootstrap, then only waits for the controller's heartbeat (a lease). It
 * ends, and the kernel drops the lock, when the connection closes, when sshd goes, or when no
 * heartbeat came for the lease (a controller gone silent behind a network partition). No lock file
 * can go stale: ownership is the flock, never the file's text.
 */
export interface HostLockRequest {
  /** Random per run: a second connection of the same run (two inventory names, one machine) shares the lock. */
  runId: string;
  /** Who holds it, written into the lock file for whoever has to wait: controller, pid, start time. */
  holder: string;
  /** How long to wait for another run's lock before refusing with HOST_LOCKED. */
  waitMs: number;
  /** The holder ends when no heartbeat came for this long (default DEFAULT_LEASE_MS); heartbeats go at a third of it. */
  leaseMs?: number;
}

export const DEFAULT_LEASE_MS = 30_000;

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
 * Shell text run by the lock shell's bootstrap, before it becomes the lease loop (leaseProgram):
 * it takes the lock on the shell's fd 9 (waiting up to `waitMs` for another run) and prints one
 * `MBLOCK <state> [detail]` line.
 *
 * "Shared" (a second connection of this run) is decided by the processes, not the file's text:
 * the lock is held, and the process holding the file open is this run's lease loop, whose last
 * argument names the run. Text in the lock file decides nothing: anyone able to write it could
 * keep it stale.
 *
 * A held lock also ties the shell to its sshd process: `__mb_exec` (which the bootstrap execs the
 * lease loop through) becomes `setpriv --pdeathsig KILL` where util-linux has it, and the kernel
 * kills the shell, and so drops the lock, when sshd goes.
 *
 * The file is opened read-only (no O_CREAT): flock needs no write access, so runs as root and as
 * a sudo user share one lock whoever created the file.
 */
export function hostLockPrelude(request: HostLockRequest, path = HOST_LOCK_PATH): string {
  const waitSeconds = Math.max(0, Math.ceil(request.waitMs / 1000));
  return [
    `lock_file=${quote(path)}; mark=${quote(leaseMark(request.runId))}`,
    leaseLoopChoice(request),
    // Hosts without /run/lock (older or minimal systems) lock in /tmp instead.
    `[ -d "\${lock_file%/*}" ] || lock_file=/tmp/\${lock_file##*/}`,
    `if ! command -v flock >/dev/null 2>&1; then reply='unsupported flock(1) is not installed'`,
    // `command exec`: a failed redirection returns instead of ending a POSIX shell, so the lock
    // file is opened once, with no subshell to try it first.
    `elif ! { [ -e "$lock_file" ] || (umask 022; : >>"$lock_file") 2>/dev/null; { command exec 9<"$lock_file"; } 2>/dev/null; }; then reply="unsupported cannot open $lock_file"`,
    `else`,
    `  reply=held; end=`,
    `  while ! flock -n 9; do`,
    // The wait counts from the first refusal, in seconds of /proc/uptime (a builtin read, and no
    // clock steps); `date` only where /proc/uptime cannot be read.
    `    { read -r now _ </proc/uptime; } 2>/dev/null && now=\${now%.*} || now=$(date +%s)`,
    `    [ -n "$end" ] || end=$(( now + ${waitSeconds} ))`,
    // Is the holder this run's lease loop? Only a holder keeps the file open past its bootstrap,
    // and the lease loop's last argument names its run (a waiting bootstrap's text never matches
    // it as a whole argument).
    `    for p in $(find /proc/[0-9]*/fd -lname "$lock_file" 2>/dev/null | cut -d/ -f3 | sort -u); do`,
        // A process may end between find and the read: the braces also silence the shell's own "cannot open".
    `      [ "$p" != $$ ] && { tr '\\000' '\\n' <"/proc/$p/cmdline"; } 2>/dev/null | grep -qxF -- "$mark" && reply=shared && break`,
    `    done`,
    `    [ "$reply" = shared ] && break`,
    `    if [ "$now" -ge "$end" ]; then reply="busy $(head -c 400 "$lock_file" | tr '\\n' ' ')"; break; fi`,
    `    sleep 0.2`,
    `  done`,
    `  if [ "$reply" = held ]; then`,
    // For whoever has to wait. Best effort: a file created by another user in sticky /run/lock may refuse the write.
    // Braces, not a subshell: a failed redirection of a builtin other than a special one ends no shell.
    `    { printf '%s\\n' ${quote(request.holder)} >"$lock_file"; } 2>/dev/null`,
    // Tried first: an older setpriv without --pdeathsig would end the shell at exec.
    `    command -v setpriv >/dev/null 2>&1 && setpriv --pdeathsig KILL true 2>/dev/null && __mb_exec='setpriv --pdeathsig KILL'`,
    `  else`,
    `    exec 9<&-`,
    `  fi`,
    `fi`,
    `printf '${REPLY} %s\\n' "$reply"`,
  ].join('\n');
}

/** The word in the lease loop's command line that names the run (how "shared" is recognised). */
function leaseMark(runId: string): string {
  return `meshbook-lock-run=${runId}`;
}

/**
 * What the lock shell becomes once the lock is taken: a loop that holds fd 9 and waits for one
 * heartbeat byte at a time, and ends at EOF or when none came within the lease. Its children get
 * no fd 9, so nothing outlives it with the lock. Which loop (leaseLoopChoice) the prelude decided:
 * the program is the same text either way.
 */
export function leaseProgram(request: HostLockRequest): string {
  return `"$__mb_lease_shell" -c "$__mb_lease_loop" ${quote(leaseMark(request.runId))}`;
}

/**
 * Sets the lease loop's shell and text. Where bash is installed, one process for the whole run:
 * bash's `read -t` waits for a byte with a timeout, no child per heartbeat. A POSIX shell has no
 * `read -t`, so elsewhere each heartbeat is waited for by `timeout head` (a subshell, `timeout`
 * and `head` per beat). Both end at EOF (the channel closed) and when no byte came for the lease.
 */
function leaseLoopChoice(request: HostLockRequest): string {
  const leaseSeconds = Math.max(1, Math.ceil((request.leaseMs ?? DEFAULT_LEASE_MS) / 1000));
  const bashLoop = `while read -r -n 1 -t ${leaseSeconds} beat; do :; done`;
  const shLoop = `while beat=$(exec 9<&-; timeout ${leaseSeconds} head -c 1) && [ -n "$beat" ]; do :; done`;
  return [
    `if command -v bash >/dev/null 2>&1; then __mb_lease_shell=bash; __mb_lease_loop=${quote(bashLoop)}`,
    `else __mb_lease_shell=/bin/sh; __mb_lease_loop=${quote(shLoop)}; fi`,
  ].join('\n');
}

/** The state from the prelude's output so far, or undefined while its reply line is incomplete. */
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

/** A host another run held for the whole wait: the run stops there (HOST_LOCKED). */
export function hostLockedError(host: string, holder: string, waitMs: number): MeshbookError {
  // The holder is the lock file's text, which anyone able to write it chose: shown, never obeyed.
  return new MeshbookError('HOST_LOCKED', `${host} is locked by another meshbook run (${escapeControl(holder, false)}); gave up after waiting ${Math.round(waitMs / 1000)} s`, {
    host,
    hint: "let that run finish, then run again (or raise --lock-timeout); the lock ends with that run's SSH connection, so it cannot outlive a crashed controller",
  });
}
