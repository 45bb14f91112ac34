import type { MeshbookError } from '../errors.js';
import type { ChangeView, ErrorView, HostStatus } from '../events/types.js';
import type { AnyChange } from '../module/change.js';
import type { TaskResult } from './types.js';

/** What one attempt (a task, or one loop item) came to on one host. */
export interface Outcome {
  /** The one record of it: what the host.result event reports and what `register` stores. */
  result: TaskResult;
  /** The error in full (host, command, stderr...), for the message; the result carries its view. */
  error?: MeshbookError;
  /** The run was interrupted while this task was under way: the host's state is unknown. */
  stoppedMidway: boolean;
}

export const changeView = (change: AnyChange): ChangeView => ({ kind: change.kind, target: change.target, summary: change.summary });

export const errorView = (error: MeshbookError): ErrorView => ({ code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });

/**
 * A task result, its flags derived from its status so they can never disagree: `changed` and
 * `skipped` are the status; `failed` is a failure, reported as such or ignored (Ansible's `failed`).
 */
export function taskResult(fields: Omit<TaskResult, 'changed' | 'failed' | 'skipped' | 'ignored' | 'knownAfterApply' | 'changes'> & Partial<Pick<TaskResult, 'ignored' | 'knownAfterApply' | 'changes'>>): TaskResult {
  const ignored = fields.ignored ?? false;
  return {
    ...fields,
    ignored,
    knownAfterApply: fields.knownAfterApply ?? false,
    changes: fields.changes ?? [],
    changed: fields.status === 'changed',
    failed: fields.status === 'failed' || fields.status === 'unreachable' || ignored,
    skipped: fields.status === 'skipped',
  };
}

/** A loop's outcome from its items': the worst status wins (unreachable > failed > changed > ok > skipped). */
export function aggregateOutcomes(items: readonly Outcome[], durationMs: number): Outcome {
  const has = (s: HostStatus) => items.some((o) => o.result.status === s);
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
  const error = items.find((o) => o.error && (o.result.status === 'failed' || o.result.status === 'unreachable'))?.error;
  return {
    result: taskResult({
      status,
      ignored: (status === 'ok' || status === 'changed') && items.some((o) => o.result.ignored),
      knownAfterApply: items.some((o) => o.result.knownAfterApply),
      changes: items.flatMap((o) => o.result.changes),
      output: undefined,
      results: items.map((o) => o.result),
      ...(error ? { error: errorView(error) } : {}),
      durationMs,
    }),
    error,
    stoppedMidway,
  };
}
