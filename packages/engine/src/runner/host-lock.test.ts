import { describe, expect, it } from 'vitest';
import { MeshbookError } from '../errors.js';
import type { HostLockRequest, HostLockState } from '../transport/host-lock.js';
import type { Transport } from '../transport/types.js';
import { lockHost, runLockIdentity } from './host-lock.js';

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
