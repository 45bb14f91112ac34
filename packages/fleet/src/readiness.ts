import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { execInContainer } from './exec.js';

/**
 * How long a boot may go without any unit finishing its start before it counts as stuck. Under
 * load a boot is slow but keeps finishing units; a stuck one finishes none.
 */
const BOOT_STALL_MS = 120_000;
/** How long one look blocks on `is-system-running --wait`, which returns as soon as the boot ends. */
const LOOK_WAIT_SECONDS = 5;
const SSH_BANNER_TIMEOUT_MS = 90_000;

/** One look at a booting host. */
export interface BootLook {
  /** systemd's state (initializing, starting, running, degraded, ...); '' or offline before it answers. */
  state: string;
  /** Units whose job is still pending, with the job's state: `ssh.service (running)`. */
  pending: string[];
}

export interface BootWatch {
  /** Which host, for the error: `host node1 (container 0123abcd4567)`. */
  where: string;
  look(): Promise<BootLook>;
  failedUnits(): Promise<string[]>;
  stallMs?: number;
  now?: () => number;
  pause?: (ms: number) => Promise<void>;
}

/**
 * Waits until systemd has finished booting, for as long as the boot makes progress: systemd
 * answering at all, then each unit that finishes its start (a unit counts once, so one restarting
 * in a loop is no progress). Bounded all the same: units are finite, so the wait is at most the
 * stall window per unit. Returns the failed units when the system came up degraded.
 */
export async function waitForBoot(watch: BootWatch): Promise<string[]> {
  const stallMs = watch.stallMs ?? BOOT_STALL_MS;
  const now = watch.now ?? Date.now;
  const pause = watch.pause ?? ((ms: number) => sleep(ms));
  const finished = new Set<string>();
  let pending = new Map<string, string>();
  let answered = false;
  let lastProgress = now();
  let last: BootLook = { state: '', pending: [] };
  for (;;) {
    last = await watch.look();
    if (last.state === 'running') return [];
    if (last.state === 'degraded') return watch.failedUnits();
    if (last.state === 'stopping' || last.state === 'maintenance') {
      throw new Error(`${watch.where}: systemd went to ${last.state} while booting${stillStarting(last)}`);
    }
    const nowPending = new Map(last.pending.map((line) => [unitOf(line), line]));
    const reached = last.state !== '' && last.state !== 'offline';
    let progressed = reached && !answered;
    answered ||= reached;
    for (const unit of pending.keys()) {
      if (!nowPending.has(unit) && !finished.has(unit)) {
        finished.add(unit);
        progressed = true;
      }
    }
    pending = nowPending;
    if (progressed) lastProgress = now();
    if (now() - lastProgress >= stallMs) {
      const what = answered ? `no unit finished starting for ${Math.round(stallMs / 1000)} s (state ${last.state})` : `systemd did not answer for ${Math.round(stallMs / 1000)} s`;
      throw new Error(`${watch.where}: the boot is stuck: ${what}${stillStarting(last)}`);
    }
    // A look that did not block (systemd not reachable yet) is not repeated at once.
    await pause(200);
  }
}

function unitOf(pendingLine: string): string {
  return pendingLine.split(' ')[0]!;
}

function stillStarting(look: BootLook): string {
  return look.pending.length > 0 ? `; still starting: ${look.pending.join(', ')}` : '';
}

/** `systemctl list-jobs --plain --no-legend`: "JOB UNIT TYPE STATE" per line. */
export function parseJobs(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 4 && /^\d+$/.test(fields[0]!))
    .map(([, unit, , state]) => `${unit} (${state})`);
}

/** The host's boot, looked at through docker exec: systemd's state and its pending jobs. */
export async function waitForSystemd(containerId: string, hostName: string): Promise<string[]> {
  const script = [
    // blocks until the boot ends, at most a few seconds; the state is read again below either way
    `timeout ${LOOK_WAIT_SECONDS} systemctl is-system-running --wait >/dev/null 2>&1`,
    'echo "state: $(systemctl is-system-running 2>/dev/null)"',
    'systemctl list-jobs --plain --no-legend 2>/dev/null',
  ].join('; ');
  return waitForBoot({
    where: `host ${hostName} (container ${containerId.slice(0, 12)})`,
    look: async () => {
      const { stdout } = await execInContainer(containerId, ['sh', '-c', script]);
      const state = /^state: *(\S*)/m.exec(stdout)?.[1] ?? '';
      return { state, pending: parseJobs(stdout.replace(/^state:.*$/m, '')) };
    },
    failedUnits: async () => {
      const failed = await execInContainer(containerId, ['systemctl', 'list-units', '--failed', '--plain', '--no-legend']);
      return failed.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
    },
  });
}

/**
 * Waits until sshd answers on the published port with its banner. A bare TCP connect is not
 * enough: docker's proxy accepts connections before anything listens behind it.
 */
export async function waitForSshBanner(port: number, hostName: string): Promise<void> {
  const deadline = Date.now() + SSH_BANNER_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await readsSshBanner(port)) return;
    await sleep(200);
  }
  throw new Error(`host ${hostName}: sshd did not answer on 127.0.0.1:${port}`);
}

function readsSshBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3000, () => done(false));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('SSH-')));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
