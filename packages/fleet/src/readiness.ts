import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { execInContainer } from './exec.js';

const READY_TIMEOUT_MS = 90_000;

/**
 * Waits until systemd has finished booting. `--wait` blocks inside the container until the boot
 * is done; the loop only covers the first moments, when systemctl cannot reach systemd yet.
 * Returns the failed units when the system came up degraded (the caller reports them).
 */
export async function waitForSystemd(containerId: string, hostName: string): Promise<string[]> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastState = '';
  while (Date.now() < deadline) {
    // `timeout`: a unit that never finishes starting would otherwise hold --wait (and us) forever
    const secondsLeft = String(Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
    const result = await execInContainer(containerId, ['timeout', secondsLeft, 'systemctl', 'is-system-running', '--wait']);
    lastState = (result.stdout.trim() || result.stderr.trim()).split('\n').pop() ?? '';
    if (lastState === 'running') return [];
    if (lastState === 'degraded') {
      const failed = await execInContainer(containerId, ['systemctl', 'list-units', '--failed', '--plain', '--no-legend']);
      return failed.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
    }
    if (lastState === 'stopping' || lastState === 'maintenance') break;
    await sleep(200);
  }
  throw new Error(`host ${hostName}: systemd did not reach running/degraded in time (last state: ${lastState || 'none'})`);
}

/**
 * Waits until sshd answers on the published port with its banner. A bare TCP connect is not
 * enough: docker's proxy accepts connections before anything listens behind it.
 */
export async function waitForSshBanner(port: number, hostName: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
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
