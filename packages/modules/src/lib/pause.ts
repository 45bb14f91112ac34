import { MeshbookError, waitUnlessAborted } from '@meshbook/engine';

/** Waits `ms`, or rejects with ABORTED (naming `what`) as soon as the run is interrupted. */
export async function pause(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  if (ms <= 0) return;
  if (!(await waitUnlessAborted(ms, signal))) throw new MeshbookError('ABORTED', `${what}: aborted while waiting`);
}
