import type { MeshbookError } from '../errors.js';
import type { ChangeView, HostStatus } from '../events/types.js';
import type { Change } from '../module/change.js';
import type { TaskResult } from './types.js';

/** What one attempt (a task, or one loop item) came to on one host. */
export interface Outcome {
  /** As reported and counted: an ignored failure is 'ok'. */
  status: HostStatus;
  ignored: boolean;
  knownAfterApply: boolean;
  changes: ChangeView[];
  diff?: string;
  error?: MeshbookError;
  message?: string;
  /** What `register` stores. */
  result: TaskResult;
  /** The run was interrupted while this task was under way: the host's state is unknown. */
  stoppedMidway: boolean;
  durationMs: number;
}

export const changeView = (change: Change): ChangeView => ({ kind: change.kind, target: change.target, summary: change.summary });

/** A loop's outcome from its items': the worst status wins (unreachable > failed > changed > ok > skipped). */
export function aggregateOutcomes(items: readonly Outcome[], durationMs: number): Outcome {
  const has = (s: HostStatus) => items.some((o) => o.status === s);
  const stoppedMidway = items.some((o) => o.stoppedMidway);
  const status: HostStatus = has('unreachable')
    ? 'unreachable'
    : has('failed') || stoppedMidway
      ? 'failed'
      : has('changed')
        ? 'changed'
        : has('ok')
          ? 'ok'
          : 'skipped';
  const failed = items.some((o) => o.result.failed);
  const changed = items.some((o) => o.result.changed);
  const error = items.find((o) => o.error && (o.status === 'failed' || o.status === 'unreachable'))?.error;
  return {
    status,
    ignored: (status === 'ok' || status === 'changed') && items.some((o) => o.ignored),
    knownAfterApply: items.some((o) => o.knownAfterApply),
    changes: items.flatMap((o) => o.changes),
    error,
    result: {
      status: failed ? 'failed' : changed ? 'changed' : status === 'skipped' ? 'skipped' : 'ok',
      changed,
      failed,
      skipped: status === 'skipped',
      output: undefined,
      results: items.map((o) => o.result),
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
    },
    stoppedMidway,
    durationMs,
  };
}
