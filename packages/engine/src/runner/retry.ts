import { MeshbookError, toMeshbookError } from '../errors.js';
import { waitUnlessAborted } from '../on-abort.js';
import { errorView, taskResult } from './outcome.js';
import type { Outcome } from './outcome.js';
import { KnownAfterApply } from '../module/unknown.js';
import type { HostContext, Task, TaskResult, UntilResult } from './types.js';

/** Ansible's defaults: `retries` 3 (so 4 attempts) and a 5 s `delay`. */
export const DEFAULT_RETRIES = 3;
export const DEFAULT_DELAY_SECONDS = 5;

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly delayMs: number;
  readonly until: (result: UntilResult, host: HostContext, item: unknown) => boolean;
}

/** The task's retry policy; undefined for a task that runs once (no cost on the common path). */
export function retryPolicyOf(task: Task): RetryPolicy | undefined {
  if (task.until === undefined && task.retries === undefined) return undefined;
  return {
    attempts: (task.retries ?? DEFAULT_RETRIES) + 1,
    delayMs: (task.delay ?? DEFAULT_DELAY_SECONDS) * 1000,
    // Ansible 2.16: retries without until retries until the task does not fail.
    until: (task.until as RetryPolicy['until'] | undefined) ?? ((result) => !result.failed),
  };
}

/** Problems with a task's retry settings, each naming the field and what it takes. */
export function retryProblems(task: Task): string[] {
  const problems: string[] = [];
  if (task.retries !== undefined && !(Number.isInteger(task.retries) && task.retries >= 0)) {
    problems.push(`retries: expected a whole number of retries, 0 or more, got ${String(task.retries)}`);
  }
  if (task.delay !== undefined && !(typeof task.delay === 'number' && Number.isFinite(task.delay) && task.delay >= 0)) {
    problems.push(`delay: expected seconds between attempts, 0 or more, got ${String(task.delay)}`);
  }
  if (task.until !== undefined && typeof task.until !== 'function') problems.push('until: expected a function of the result and the host');
  if (task.delay !== undefined && task.until === undefined && task.retries === undefined) {
    problems.push('delay: has no effect without until or retries (add until, or retries to retry until the task succeeds)');
  }
  return problems;
}

/** What the retry loop needs from the run around it. */
export interface Attempts {
  /** One attempt of the task: the same as a task without retries. */
  once(): Promise<Outcome>;
  /** An attempt that will be tried again: its event. */
  retrying(outcome: Outcome, attempt: number): void;
  /** Before the next attempt: what the last one read is stale. */
  beforeRetry(): Promise<void>;
  readonly check: boolean;
  /** Fires at an interrupt: no new attempt starts. */
  readonly interrupt: AbortSignal;
  /** Whether a failure ends up ignored (ignoreErrors). */
  readonly ignoreErrors: boolean;
}

/**
 * Runs attempts until `until` holds for the result or the attempts are used up; the outcome is
 * the last attempt's, with `attempts` set. Check mode: an attempt that plans a change is not tried
 * again, because nothing was applied to wait for; checks that change nothing retry as in a run.
 */
export async function untilSettled(policy: RetryPolicy, host: HostContext, item: unknown, attempts: Attempts): Promise<Outcome> {
  const started = Date.now();
  const appliedChanges: Outcome['result']['changes'] = [];
  for (let attempt = 1; ; attempt++) {
    const outcome = await attempts.once();
    const result: TaskResult = { ...outcome.result, attempts: attempt };
    const settled = (final: TaskResult): Outcome => ({ ...outcome, result: withEarlierChanges(final, appliedChanges, Date.now() - started) });
    if (outcome.stoppedMidway || result.status === 'unreachable') return settled(result);
    if (attempts.check && (result.status === 'changed' || result.knownAfterApply || result.output instanceof KnownAfterApply)) {
      return settled({ ...result, message: 'check mode: the change is planned, not applied, so until is not waited for' });
    }
    let met: boolean;
    try {
      met = policy.until(result as UntilResult, host, item);
    } catch (thrown) {
      const error = toMeshbookError(thrown, 'BAD_INPUT', host.name);
      return { result: failedResult(error, attempt, Date.now() - started, false), error, stoppedMidway: false };
    }
    if (met) return settled(result);
    if (attempt >= policy.attempts) return exhausted(outcome, attempt, Date.now() - started, attempts.ignoreErrors);
    if (result.status === 'changed') appliedChanges.push(...result.changes);
    attempts.retrying({ ...outcome, result }, attempt);
    if (!(await waitUnlessAborted(policy.delayMs, attempts.interrupt))) {
      const error = new MeshbookError('ABORTED', `interrupted while waiting to retry, after ${attempt} of ${policy.attempts} attempts`);
      return { result: failedResult(error, attempt, Date.now() - started, false), error, stoppedMidway: true };
    }
    await attempts.beforeRetry();
  }
}

/** A change applied by an earlier attempt still happened: the task reports it. */
function withEarlierChanges(result: TaskResult, earlier: Outcome['result']['changes'], durationMs: number): TaskResult {
  if (earlier.length === 0 || result.failed) return { ...result, durationMs };
  return { ...taskResult({ ...result, status: 'changed', changes: [...earlier, ...result.changes], durationMs }), attempts: result.attempts };
}

/** Every attempt used: failed, saying how many and what the last one came to. */
function exhausted(last: Outcome, attempts: number, durationMs: number, ignored: boolean): Outcome {
  const cause = last.error;
  const what = cause ? cause.message : `until did not hold (the last attempt was ${last.result.status})`;
  const error = new MeshbookError(cause?.code ?? 'MODULE_FAILED', `gave up after ${attempts} attempts: ${what}`, {
    host: cause?.host,
    command: cause?.command,
    exitCode: cause?.exitCode,
    stderr: cause?.stderr,
    hint: cause?.hint ?? 'the condition in the task\'s until never held; give it more retries or a longer delay if it needs longer',
  });
  // Registered as Ansible does: the last attempt's output, failed.
  return { result: failedResult(error, attempts, durationMs, ignored, last.result.output), error, stoppedMidway: false };
}

function failedResult(error: MeshbookError, attempts: number, durationMs: number, ignored: boolean, output?: unknown): TaskResult {
  return {
    ...taskResult({ status: ignored ? 'ok' : 'failed', ignored, message: error.describe(), error: errorView(error), output, durationMs }),
    attempts,
  };
}
