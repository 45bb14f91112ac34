import { describe, expect, it } from 'vitest';
import { MeshbookError } from '../errors.js';
import { FakeTransport, fakeInventory } from '../testing/index.js';
import type { HostLockRequest, HostLockState } from '../transport/host-lock.js';
import type { ConnectOptions, Transport } from '../transport/types.js';
import { setting } from './__fixtures__/harness.js';
import { lockHost, runLockIdentity } from './host-lock.js';
import { runPlaybook } from './run-playbook.js';
import { definePlaybook, task } from './types.js';

function transportAnswering(state: HostLockState | undefined): Transport & { asked: HostLockRequest[] } {
  const asked: HostLockRequest[] = [];
  const transport = {
    host: 'node1',
    kind: 'fake',
    asked,
    run: () => Promise.reject(new Error('unused')),
    put: () => Promise.reject(new Error('unused')),
    get: () => Promise.reject(new Error('unused')),
    stats: () => ({ commands: 0, roundTrips: 0, bytesUp: 0, bytesDown: 0 }),
    close: () => Promise.resolve(),
  };
  if (state === undefined) return transport;
  return { ...transport, lockHost: (request: HostLockRequest) => (asked.push(request), Promise.resolve(state)) };
}

describe('lockHost', () => {
  const request = runLockIdentity(5000, new Date('2024-01-02T03:04:05Z'));

  it('names the controller, the pid and the start time, with a fresh run id per run', () => {
    expect(request.holder).toMatch(new RegExp(`^controller=\\S+ pid=${process.pid} started=2024-01-02T03:04:05.000Z$`));
    expect(request.runId).toMatch(/^[0-9a-f]{16}$/);
    expect(runLockIdentity(5000).runId).not.toBe(request.runId);
  });

  it('is a no-op for transports without a lock (local, fakes)', async () => {
    await expect(lockHost(transportAnswering(undefined), request)).resolves.toBeUndefined();
  });

  it('passes when held or shared, warns when flock is missing', async () => {
    const held = transportAnswering({ state: 'held' });
    await expect(lockHost(held, request)).resolves.toBeUndefined();
    expect(held.asked).toEqual([request]);
    await expect(lockHost(transportAnswering({ state: 'shared' }), request)).resolves.toBeUndefined();
    await expect(lockHost(transportAnswering({ state: 'unsupported', reason: 'flock(1) is not installed' }), request)).resolves.toBe(
      'node1: flock(1) is not installed, so this run does not lock the host against other runs',
    );
  });

  it('refuses a host another run holds with HOST_LOCKED naming the host and the holder', async () => {
    const error = await lockHost(transportAnswering({ state: 'busy', holder: 'controller=ci pid=42 started=x' }), request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect(error).toMatchObject({ code: 'HOST_LOCKED', host: 'node1' });
    expect((error as MeshbookError).message).toBe('node1 is locked by another meshbook run (controller=ci pid=42 started=x); gave up after waiting 5 s');
  });
});

describe('the runner and the host lock', () => {
  const playbook = definePlaybook({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(setting, { path: '/x', value: '1' })] }] });

  /** A connect that records what it was asked, on fakes whose lockHost records its requests. */
  function recordingConnect() {
    const connects: Array<{ host: string; options: ConnectOptions }> = [];
    const locks: HostLockRequest[] = [];
    const connect = async (host: { name: string }, options: ConnectOptions) => {
      connects.push({ host: host.name, options });
      const transport = new FakeTransport(host.name) as FakeTransport & Transport;
      transport.lockHost = (request) => (locks.push(request), Promise.resolve({ state: 'held' }));
      return transport;
    };
    return { connect, connects, locks };
  }

  it("passes the run's lock to every connect (to take while connecting), then asks lockHost for the same run", async () => {
    const { connect, connects, locks } = recordingConnect();
    const summary = await runPlaybook(playbook, { inventory: fakeInventory({ a: {}, b: {} }), connect, hostLockWaitMs: 7000 });
    expect(summary.outcome).toBe('ok');
    expect(connects.map((c) => c.host).sort()).toEqual(['a', 'b']);
    const [first, second] = connects.map((c) => c.options.hostLock!);
    expect(first).toMatchObject({ runId: expect.stringMatching(/^[0-9a-f]{16}$/), waitMs: 7000 });
    expect(second).toBe(first);
    expect(locks).toEqual([first, first]);
  });

  it('reads the lock state a connection reports from connecting instead of asking it again (issue 12)', async () => {
    const locks: HostLockRequest[] = [];
    const connect = async (host: { name: string }) => {
      const transport = new FakeTransport(host.name) as FakeTransport & Transport & { hostLockState: HostLockState };
      transport.hostLockState = { state: 'busy', holder: 'controller=ci pid=42 started=x' };
      transport.lockHost = (request) => (locks.push(request), Promise.resolve({ state: 'held' }));
      return transport;
    };
    const summary = await runPlaybook(playbook, { inventory: fakeInventory({ a: {} }), connect });
    expect(summary.outcome).not.toBe('ok');
    expect(locks).toEqual([]);
  });

  it('asks for no lock when the run is unlocked', async () => {
    const { connect, connects, locks } = recordingConnect();
    await runPlaybook(playbook, { inventory: fakeInventory({ a: {} }), connect, hostLock: false });
    expect(connects.map((c) => ({ host: c.host, hostLock: c.options.hostLock }))).toEqual([{ host: 'a', hostLock: undefined }]);
    expect(locks).toEqual([]);
  });
});
