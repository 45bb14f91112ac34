import { MeshbookError, sh } from '@meshbook/engine';
import type { CommandResult, ModuleContext, ShellCommand, ShellValue } from '@meshbook/engine';
import { runWithProgress } from './progress.js';

/** Shared by apt and apt_repository: apt-get with the lock wait, progress lines and clear lock errors. */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 300;

export interface AptGetOptions {
  lockTimeoutSeconds: number;
}

/**
 * `apt-get ARGS` non-interactively. dpkg's lock is waited for (DPkg::Lock::Timeout) up to the
 * given time; a lock still held then fails naming the lock and its holder.
 */
export function aptGetCommand(args: ShellValue[], options: AptGetOptions): ShellCommand {
  // Set inline rather than via RunOptions.env: sudo would drop an exported variable.
  return sh`DEBIAN_FRONTEND=noninteractive apt-get -q -o ${`DPkg::Lock::Timeout=${options.lockTimeoutSeconds}`} ${args}`;
}

export async function runAptGet(ctx: ModuleContext, args: ShellValue[], options: AptGetOptions): Promise<CommandResult> {
  const command = aptGetCommand(args, options);
  const result = await runWithProgress(ctx, command);
  if (result.exitCode !== 0) {
    const lock = parseAptLockError(`${result.stderr}\n${result.stdout}`);
    const holder = lock && lock.holder === null ? await lockHolder(ctx, lock.lock) : null;
    throw aptFailure(ctx.host, command, result, options.lockTimeoutSeconds, holder);
  }
  return result;
}

/**
 * Who holds the lock file's POSIX lock: its PID from /proc/locks (matched by inode; waiters' `->`
 * lines and OFD locks' PID -1 skipped) and its name. apt names the holder only in its waiting line,
 * which a short wait may end before printing. Null when it cannot be told.
 */
async function lockHolder(ctx: ModuleContext, lockPath: string): Promise<string | null> {
  const result = await ctx.run(lockHolderCommand(lockPath));
  return result.exitCode === 0 && /^process \d+ \(.*\)$/.test(result.stdout) ? result.stdout : null;
}

/** Prints `process PID (NAME)` of the lock's holder; exits non-zero when none is found. */
export function lockHolderCommand(lockPath: string): ShellCommand {
  return sh`ino=$(stat -c %i -- ${lockPath}) && pid=$(awk -v ino=":$ino" '$2 != "->" && $5 > 0 && substr($6, length($6) - length(ino) + 1) == ino { print $5; exit }' /proc/locks) && [ -n "$pid" ] && printf 'process %s (%s)' "$pid" "$(cat "/proc/$pid/comm")"`;
}

/**
 * apt's lock messages. While it waits (DPkg::Lock::Timeout) it prints `Waiting for cache lock: Could
 * not get lock PATH. It is held by process PID (NAME)` on stdout; when it gives up, stderr says
 * `Unable to acquire the dpkg frontend lock (PATH)`; without a timeout stderr has the "held by" line.
 */
export function parseAptLockError(output: string): { lock: string; holder: string | null } | null {
  const held = [...output.matchAll(/Could not get lock (\S+?)\.? It is held by process (\d+)(?: \(([^)]*)\))?/g)].at(-1);
  if (held) return { lock: held[1]!, holder: `process ${held[2]}${held[3] ? ` (${held[3]})` : ''}` };
  const plain =
    output.match(/Unable to acquire the dpkg frontend lock \((\S+)\)/) ??
    output.match(/Could not get lock (\S+?)(?:\.|\s|$)/) ??
    output.match(/Unable to lock directory (\S+)/);
  if (plain) return { lock: plain[1]!, holder: null };
  return null;
}

/** `holder`: found on the host when apt's output named none. */
export function aptFailure(host: string, command: ShellCommand, result: CommandResult, lockTimeoutSeconds: number, holder: string | null = null): MeshbookError {
  const details = { host, command: command.display, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  const lock = parseAptLockError(`${result.stderr}\n${result.stdout}`);
  if (lock) {
    return new MeshbookError(
      'HOST_LOCKED',
      `the apt/dpkg lock ${lock.lock} is held by ${lock.holder ?? holder ?? 'another process'}; gave up after waiting ${lockTimeoutSeconds} s`,
      { ...details, hint: 'wait for the other package operation (unattended-upgrades, another apt) to finish, or raise lockTimeoutSeconds' },
    );
  }
  return new MeshbookError('COMMAND_FAILED', `apt failed with exit code ${result.exitCode}`, details);
}
