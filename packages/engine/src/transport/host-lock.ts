import { escapeControl } from '../escape-control.js';
import { quote } from '../command.js';
import { MeshbookError } from '../errors.js';

/**
 * The per-host lock a run holds on each host it works on, so two runs never interleave their
 * changes on one host (and a check-mode run never reads a half-applied one).
 *
 * It is an flock(1) on fd 9 of the run's first kept shell on the host, taken in that shell's
 * bootstrap (no round trip of its own). The shell lives as long as its SSH channel: when the
 * connection goes (the run ends, the controller crashes, the network drops), the shell ends and
 * the kernel drops the lock. No lock file can go stale.
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
 * Shell text run by a kept shell's bootstrap, in the shell itself, before it becomes the kept
 * shell: it takes the lock on the shell's fd 9 (waiting up to `waitMs` for another run) and prints
 * one `MBLOCK <state> [detail]` line. Only a shell that holds the lock keeps fd 9; framed commands
 * close it in their subshell (framing.ts), so nothing they start can keep the lock after the run.
 *
 * A shell busy with a long command reads no EOF when the connection drops, so a held lock also
 * ties the shell to its sshd process: `__mb_exec` (which the bootstrap execs the kept shell
 * through) becomes `setpriv --pdeathsig KILL` where util-linux has it, and the kernel kills the
 * shell, and so drops the lock, when sshd goes.
 *
 * The file is opened read-only (no O_CREAT): flock needs no write access, so runs as root and as
 * a sudo user share one lock whoever created the file.
 */
export function hostLockPrelude(request: HostLockRequest, path = HOST_LOCK_PATH): string {
  const waitSeconds = Math.max(0, Math.ceil(request.waitMs / 1000));
  const holderLine = `run=${request.runId} ${request.holder}`;
  return [
    `lock_file=${quote(path)}; run=${quote(`run=${request.runId}`)}`,
    // Hosts without /run/lock (older or minimal systems) lock in /tmp instead.
    `[ -d "\${lock_file%/*}" ] || lock_file=/tmp/\${lock_file##*/}`,
    `if ! command -v flock >/dev/null 2>&1; then reply='unsupported flock(1) is not installed'`,
    // Tried in a subshell first: a failed `exec` redirection ends a POSIX shell outright.
    `elif ! { [ -e "$lock_file" ] || (umask 022; : >>"$lock_file") 2>/dev/null; (exec 9<"$lock_file") 2>/dev/null; }; then reply="unsupported cannot open $lock_file"`,
    `else`,
    `  exec 9<"$lock_file"`,
    `  reply=held; end=$(( $(date +%s) + ${waitSeconds} ))`,
    `  while ! flock -n 9; do`,
    `    if grep -qsF -- "$run" "$lock_file"; then reply=shared; break; fi`,
    `    if [ "$(date +%s)" -ge "$end" ]; then reply="busy $(head -c 400 "$lock_file" | tr '\\n' ' ')"; break; fi`,
    `    sleep 0.2`,
    `  done`,
    `  if [ "$reply" = held ]; then`,
    // Best effort: a file created by another user in sticky /run/lock may refuse the write.
    `    (printf '%s\\n' ${quote(holderLine)} >"$lock_file") 2>/dev/null`,
    // Tried first: an older setpriv without --pdeathsig would end the shell at exec.
    `    command -v setpriv >/dev/null 2>&1 && setpriv --pdeathsig KILL true 2>/dev/null && __mb_exec='setpriv --pdeathsig KILL'`,
    `  else`,
    `    exec 9<&-`,
    `  fi`,
    `fi`,
    `printf '${REPLY} %s\\n' "$reply"`,
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
