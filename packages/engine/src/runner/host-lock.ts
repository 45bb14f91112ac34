import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { hostLockedError, type HostLockRequest } from '../transport/host-lock.js';
import type { Transport } from '../transport/types.js';

export const DEFAULT_HOST_LOCK_WAIT_MS = 30_000;

/** Who this run is, as the lock file records it for a run that has to wait. */
export function runLockIdentity(waitMs: number, now = new Date()): HostLockRequest {
  return {
    runId: randomBytes(8).toString('hex'),
    holder: `controller=${hostname()} pid=${process.pid} started=${now.toISOString()}`,
    waitMs,
  };
}

/**
 * Takes the host's lock before any task touches it (check mode too: it must not read a host
 * another run is half-way through). Returns a warning to show, if any; throws HOST_LOCKED when
 * another run held the lock for the whole wait.
 */
export async function lockHost(transport: Transport, request: HostLockRequest): Promise<string | undefined> {
  // The connection reports what taking the lock while connecting found; only a transport that
  // took none (a test fake, a connect without the request) is asked.
  const lock = transport.hostLockState ?? (await transport.lockHost?.(request));
  if (!lock) return undefined;
  if (lock.state === 'unsupported') return `${transport.host}: ${lock.reason}, so this run does not lock the host against other runs`;
  if (lock.state === 'busy') throw hostLockedError(transport.host, lock.holder, request.waitMs);
  return undefined;
}
