import { MeshbookError, toMeshbookError } from '../errors.js';
import { waitUnlessAborted } from '../on-abort.js';
import type { HostBackWait, HostReady, Transport } from './types.js';

/** Connect errors that waiting for a host to come back cannot mend: they end the wait at once. */
export const FINAL_CONNECT_ERRORS: readonly string[] = ['AUTH_FAILED', 'HOST_KEY_MISMATCH', 'HOST_KEY_UNKNOWN', 'HOST_LOCKED', 'ABORTED'];

/** Between connect attempts while a host is away on purpose. */
export const RECONNECT_RETRY_MS = 1000;

/** A host that answered but is not back as waited for yet (still in its old boot): tried again. */
class NotBackYet extends MeshbookError {}

/** Throws NotBackYet unless `ready` holds on the new connection (no `ready`: answering is enough). */
export async function checkBack(transport: Transport, ready: HostReady | undefined): Promise<void> {
  if (!ready) return;
  const verdict = await ready(transport);
  if (verdict !== true) throw new NotBackYet('TIMEOUT', verdict, { host: transport.host });
}

/**
 * The one retry policy for connecting again to a host that went away on purpose, used by the run
 * (Connections.reconnect) and by a transport reconnecting itself (SshTransport.reconnect, for a
 * library user): `attempt` is tried until it succeeds, fails with an error waiting cannot mend
 * (FINAL_CONNECT_ERRORS), the signal fires (ABORTED) or `timeoutMs` runs out, with `retryDelayMs`
 * between attempts. Run out: TIMEOUT when the host last answered but was not back (checkBack),
 * else UNREACHABLE; the last error is the cause.
 */
export async function connectUntilBack<T>(host: string, wait: HostBackWait, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + wait.timeoutMs;
  for (;;) {
    if (wait.signal?.aborted) throw new MeshbookError('ABORTED', `reconnecting to ${host} was aborted`, { host });
    try {
      return await attempt();
    } catch (error) {
      const cause = toMeshbookError(error, 'UNREACHABLE', host);
      if (FINAL_CONNECT_ERRORS.includes(cause.code)) throw cause;
      const left = deadline - Date.now();
      if (left <= 0) {
        if (cause instanceof NotBackYet) {
          throw new MeshbookError('TIMEOUT', `${host} was not back within ${Math.round(wait.timeoutMs / 1000)} s: ${cause.message}`, { host, cause });
        }
        throw new MeshbookError('UNREACHABLE', `${host} did not answer within ${Math.round(wait.timeoutMs / 1000)} s: ${cause.message}`, {
          host,
          hint: 'the host is still down, or came back at another address or with sshd not started',
          cause,
        });
      }
      await waitUnlessAborted(Math.min(wait.retryDelayMs ?? RECONNECT_RETRY_MS, left), wait.signal);
    }
  }
}
