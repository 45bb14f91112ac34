import { MeshbookError } from '@meshbook/engine';

/** Waits `ms`, or rejects with ABORTED (naming `what`) as soon as the run is interrupted. */
export function pause(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(new MeshbookError('ABORTED', `${what}: aborted while waiting`));
    }
    if (signal?.aborted) return aborted();
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
