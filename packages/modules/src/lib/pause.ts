import { MeshbookError, onAbort } from '@meshbook/engine';

/** Waits `ms`, or rejects with ABORTED (naming `what`) as soon as the run is interrupted. */
export function pause(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new MeshbookError('ABORTED', `${what}: aborted while waiting`));
    const timer = setTimeout(() => {
      stopWatching();
      resolve();
    }, ms);
    const stopWatching = onAbort(signal, () => {
      clearTimeout(timer);
      reject(new MeshbookError('ABORTED', `${what}: aborted while waiting`));
    });
  });
}
