import { describe, expect, it } from 'vitest';
import { MeshbookError, type Transport } from '@meshbook/engine';
import { waitFor } from '@meshbook/modules';
import { proveBadParams, useHosts } from '../support/prove.js';

// The conditions are brought about on the host while the module waits: by the test once the module
// has looked and not found them (no clock decides), or by systemd timers a few seconds after the
// wait starts where only the end of the wait is asserted (AccuracySec: a transient timer may
// otherwise fire up to a minute late). waitFor itself never changes anything.
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const PORT = 18080;
const later = (unit: string, seconds: number, command: string) => hosts.sh(H, `systemd-run --quiet --unit=${unit} --on-active=${seconds} --timer-property=AccuracySec=100ms sh -c '${command}'`);
const snapshot = () => hosts.sh(H, 'ls -la /tmp /run | sort; systemctl list-units --all --plain --no-legend "mb-*" | sort');

/**
 * `transport`, counting the answers to its `method` calls (only those whose command names `needle`,
 * if given): `answered(n)` resolves once n have come back, so the test acts between two looks.
 */
function counted(transport: Transport, method: 'run' | 'openTcp', needle?: string) {
  let count = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const proxy = new Proxy(transport, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop !== method) return value.bind(target);
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          if (needle === undefined || JSON.stringify(args[0]).includes(needle)) {
            count++;
            for (const w of waiters.filter((w) => w.n <= count)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
          }
        }
      };
    },
  });
  return {
    transport: proxy,
    count: () => count,
    answered: (n: number) => new Promise<void>((resolve) => (count >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

async function failure(promise: Promise<unknown>): Promise<MeshbookError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MeshbookError);
  return error as MeshbookError;
}

describe('waitFor on a real host', () => {
  it('bad params fail before the host is touched', async () => {
    await proveBadParams(waitFor, t(), { port: PORT, path: '/tmp/x' }, /waitFor\.path/);
  });

  it('check mode on a fresh host waits as a run does (Ansible does too) and touches nothing; a condition not met fails it', async () => {
    const before = await snapshot();
    const result = await waitFor.run(t(), { path: '/etc/hostname', timeoutSeconds: 5 }, { check: true });
    expect(result).toMatchObject({ changed: false, changes: [], check: true });
    const error = await failure(waitFor.run(t(), { path: '/tmp/never-there', timeoutSeconds: 2, sleepSeconds: 0.5 }, { check: true }));
    expect(error.message).toMatch(/^waitFor: timed out after 2(\.\d)? s waiting for \/tmp\/never-there to be present$/);
    expect(await snapshot()).toBe(before);
  });

  it('a port that opens a few seconds later (a listener on the host only): waits for it, never a change; re-applied, answers at once', async () => {
    const probes = counted(t(), 'openTcp');
    const waiting = waitFor.run(probes.transport, { port: PORT, timeoutSeconds: 60, sleepSeconds: 0.5 });
    // The listener starts only once the first probe was refused: the module must look again.
    await probes.answered(1);
    await hosts.sh(H, `systemd-run --quiet --unit=mb-listen sh -c 'exec python3 -m http.server ${PORT} --bind 127.0.0.1 --directory /tmp'`);
    const first = await waiting;
    expect(first.changed).toBe(false);
    expect(probes.count()).toBeGreaterThan(1);
    expect((first.output as { elapsedSeconds: number }).elapsedSeconds).toBeGreaterThanOrEqual(0.5);
    expect(await hosts.sh(H, 'systemctl is-active mb-listen')).toBe('active\n');
    // A second probe would come only after a 600 s pause: answering at all proves the first probe found the port.
    const again = await waitFor.run(t(), { port: PORT, state: 'started', timeoutSeconds: 600, sleepSeconds: 600 });
    expect(again).toMatchObject({ changed: false, changes: [] });
  });

  it('state stopped: waits until nothing listens any more', async () => {
    await later('mb-stop-listen', 2, 'systemctl stop mb-listen');
    const result = await waitFor.run(t(), { port: PORT, state: 'stopped', timeoutSeconds: 60, sleepSeconds: 0.5 });
    expect(result.changed).toBe(false);
    expect(await hosts.sh(H, 'systemctl is-active mb-listen || true')).toMatch(/inactive|failed/);
  });

  it('a port that never opens fails after the timeout, naming the port and the last attempt', async () => {
    const started = Date.now();
    const error = await failure(waitFor.run(t(), { port: PORT + 1, timeoutSeconds: 2, sleepSeconds: 0.5 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(error.code).toBe('MODULE_FAILED');
    expect(error.message).toMatch(new RegExp(`waiting for port ${PORT + 1} on 127\\.0\\.0\\.1 to accept connections \\(last attempt: .*${PORT + 1}.*\\)`));
  });

  it('a file that appears, then holds the text searched for; delaySeconds before the first look', async () => {
    await hosts.sh(H, 'rm -f /tmp/app.log');
    const looks = counted(t(), 'run', '/tmp/app.log');
    const waiting = waitFor.run(looks.transport, { path: '/tmp/app.log', searchRegex: '^listening on (:\\d+)$', delaySeconds: 1, timeoutSeconds: 60, sleepSeconds: 0.5 });
    // Absent at the first look, present without the text at the second, then with it.
    await looks.answered(1);
    await hosts.sh(H, 'echo starting > /tmp/app.log');
    await looks.answered(2);
    await hosts.sh(H, 'echo "listening on :8080" >> /tmp/app.log');
    const result = await waiting;
    expect(result.changed).toBe(false);
    expect(result.output).toMatchObject({ match: 'listening on :8080' });
    expect(looks.count()).toBeGreaterThanOrEqual(3);
    // The module's own clock: the delay, then two pauses between looks.
    expect((result.output as { elapsedSeconds: number }).elapsedSeconds).toBeGreaterThanOrEqual(2);
  });

  it('state absent: waits until the file is removed', async () => {
    await hosts.sh(H, 'touch /tmp/app.lock');
    await later('mb-unlock', 2, 'rm -f /tmp/app.lock');
    const result = await waitFor.run(t(), { path: '/tmp/app.lock', state: 'absent', timeoutSeconds: 60, sleepSeconds: 0.5 });
    expect(result.changed).toBe(false);
    expect(await hosts.sh(H, 'test -e /tmp/app.lock && echo there || echo gone')).toBe('gone\n');
  });
});
