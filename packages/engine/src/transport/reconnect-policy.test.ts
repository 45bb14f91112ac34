import { describe, expect, it } from 'vitest';
import { MeshbookError } from '../errors.js';
import { FakeTransport } from '../testing/index.js';
import { checkBack, connectUntilBack } from './reconnect-policy.js';

/** An attempt that fails with each of `errors` in turn, then succeeds; counts its calls. */
function attempts(...errors: Error[]): { attempt: () => Promise<string>; calls(): number } {
  let calls = 0;
  return {
    attempt: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return 'connected';
    },
    calls: () => calls,
  };
}

const refused = () => new MeshbookError('UNREACHABLE', 'connection refused', { host: 'h1' });

describe('connectUntilBack: the one retry policy of a reconnect (the run and SshTransport.reconnect)', () => {
  it('tries again after errors a wait can mend (a plain Error too), retryDelayMs apart, until the host answers', async () => {
    const { attempt, calls } = attempts(refused(), new Error('ECONNRESET'));
    expect(await connectUntilBack('h1', { timeoutMs: 5000, retryDelayMs: 1 }, attempt)).toBe('connected');
    expect(calls()).toBe(3);
  });

  it('stops at once on an error waiting cannot mend, with that error', async () => {
    for (const code of ['AUTH_FAILED', 'HOST_KEY_MISMATCH', 'HOST_KEY_UNKNOWN', 'HOST_LOCKED'] as const) {
      const final = new MeshbookError(code, `${code} on h1`, { host: 'h1' });
      const { attempt, calls } = attempts(final, refused());
      await expect(connectUntilBack('h1', { timeoutMs: 5000, retryDelayMs: 1 }, attempt)).rejects.toBe(final);
      expect(calls()).toBe(1);
    }
  });

  it('when the wait runs out: UNREACHABLE naming the host, the wait and the last error (its cause)', async () => {
    const last = refused();
    const { attempt, calls } = attempts(refused(), refused(), refused(), last);
    const error = await connectUntilBack('h1', { timeoutMs: 30, retryDelayMs: 10 }, attempt).catch((e: unknown) => e as MeshbookError);
    expect(error).toMatchObject({ code: 'UNREACHABLE', message: 'h1 did not answer within 0 s: connection refused', host: 'h1' });
    expect(error.hint).toMatch(/still down/);
    expect(calls()).toBeGreaterThanOrEqual(2);
  });

  it('an abort ends the wait between attempts: ABORTED, no further attempt', async () => {
    const controller = new AbortController();
    let calls = 0;
    const waiting = connectUntilBack('h1', { timeoutMs: 60_000, retryDelayMs: 60_000, signal: controller.signal }, async () => {
      calls++;
      throw refused();
    });
    setTimeout(() => controller.abort(), 10);
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED', message: 'reconnecting to h1 was aborted' });
    expect(calls).toBe(1);
  });

  it('a host that answers but is not back (checkBack: ready says why) is tried again; run out, that is TIMEOUT with the reason', async () => {
    const transport = new FakeTransport('h1');
    let answers = 0;
    const stillOld = async () => (++answers >= 3 ? (true as const) : 'still the old boot');
    expect(await connectUntilBack('h1', { timeoutMs: 5000, retryDelayMs: 1 }, () => checkBack(transport, stillOld))).toBeUndefined();
    expect(answers).toBe(3);
    const error = await connectUntilBack('h1', { timeoutMs: 20, retryDelayMs: 5 }, () => checkBack(transport, async () => 'still the old boot')).catch((e: unknown) => e as MeshbookError);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: 'h1 was not back within 0 s: still the old boot', host: 'h1' });
  });
});
