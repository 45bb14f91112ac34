import { MeshbookError, toMeshbookError } from '../errors.js';
import type { Become } from '../transport/types.js';
import { runModule } from '../module/contract.js';
import type { ModuleResult, ReadsAfterApply, Reconnect } from '../module/contract.js';
import type { FactCache } from '../module/facts.js';
import { NotKnownYet, invalidParamsError, loopItems } from './evaluate-task.js';
import type { TaskEvaluation } from './evaluate-task.js';
import { aggregateOutcomes, changeView, errorView, taskResult } from './outcome.js';
import type { Outcome } from './outcome.js';
import type { HostRuntime, RunState, Target } from './state.js';
import type { HostContext, Play, Task } from './types.js';
import { DEFAULT_TASK_TIMEOUT_MS } from './options.js';
import { requestsOf } from '../module/facts.js';
import { retryPolicyOf, untilSettled } from './retry.js';
import { becomeWithVariables } from './block-keywords.js';

/** A task as one play runs it: the task plus how it is named and where it sits. */
export interface TaskSpec {
  readonly task: Task;
  readonly name: string;
  /** Path for error messages: `plays[0] "prepare" tasks[3] "sysctl"`. */
  readonly where: string;
  readonly handler: boolean;
  /** Inside a block with a rescue (its tasks, or a block within them): a failure goes to the rescue. */
  readonly rescuable?: boolean;
  /** A play's task (not a handler): its place in PlaySteps.prefetched (TaskStep.order). */
  readonly order?: number;
}

/** What a task needs from its play. */
export interface PlayScope {
  readonly play: Play;
  hostContext(host: string): HostContext;
  /** The task evaluated for a host and item (kept when it cannot change): see evaluateTask. */
  evaluate(task: Task, host: string, item: unknown): TaskEvaluation;
  notify(host: string, handlers: readonly string[]): void;
  /** The facts to read in a change's own round trip (FactPrefetcher.readsAfter); absent: none. */
  readsAfterApply?(order: number, task: Task, host: HostRuntime, facts: FactCache): ReadsAfterApply | undefined;
}

type Phase = 'prepare' | 'connect' | 'module';

/**
 * Runs one task on one host: `when`, `loop`, params, the module, changedWhen / failedWhen /
 * ignoreErrors, and emits a host.result per attempt (per item when it loops). Counting,
 * registering and notifying are the caller's, because runOnce spreads one outcome over a batch.
 */
export async function runTaskOnHost(run: RunState, scope: PlayScope, spec: TaskSpec, host: HostRuntime): Promise<Outcome> {
  const ctx = scope.hostContext(host.name);
  const { task } = spec;
  const started = Date.now();
  if (task.loop === undefined) {
    const outcome = await settle(run, scope, spec, host, ctx, undefined);
    emitResult(run, scope, spec, host.name, outcome);
    return outcome;
  }

  let items: readonly unknown[];
  try {
    items = loopItems(task, ctx) ?? [];
  } catch (error) {
    const outcome = fromError(run, spec, ctx, error, 'prepare', started);
    emitResult(run, scope, spec, host.name, outcome);
    return outcome;
  }
  if (items.length === 0) {
    const outcome = skipped(started, 'no loop items');
    emitResult(run, scope, spec, host.name, outcome);
    return { ...outcome, result: { ...outcome.result, results: [] } };
  }

  const outcomes: Outcome[] = [];
  for (const [index, item] of items.entries()) {
    if (run.interrupts.interrupted && outcomes.length > 0) {
      // Interrupted between items: part of the loop ran, so the host is half-way.
      outcomes.push(abandoned(started, run.interrupts.interrupted));
      break;
    }
    const loop = { label: itemLabel(task, item), index, of: items.length };
    const outcome = await settle(run, scope, spec, host, ctx, item, loop);
    emitResult(run, scope, spec, host.name, outcome, loop);
    outcomes.push(outcome);
    if (outcome.result.status === 'unreachable' || outcome.stoppedMidway) break;
  }
  return aggregateOutcomes(outcomes, Date.now() - started);
}

type LoopPlace = { label: string; index: number; of: number };

/** One attempt, or with `until`/`retries` as many as it takes (retry.ts); each retried one is a host.retry event. */
function settle(run: RunState, scope: PlayScope, spec: TaskSpec, host: HostRuntime, ctx: HostContext, item: unknown, loop?: LoopPlace): Promise<Outcome> {
  const policy = retryPolicyOf(spec.task);
  if (!policy) return attempt(run, scope, spec, host, ctx, item);
  return untilSettled(policy, ctx, item, {
    once: () => attempt(run, scope, spec, host, ctx, item),
    retrying: (outcome, number) => {
      const { result } = outcome;
      run.events.emit({
        type: 'host.retry',
        play: scope.play.name,
        task: spec.name,
        host: host.name,
        handler: spec.handler,
        ...(loop ? { item: loop.label, loop: { index: loop.index, of: loop.of } } : {}),
        attempt: { number, of: policy.attempts },
        status: result.status,
        ...(result.message ? { message: result.message } : {}),
        ...(result.error ? { error: result.error } : {}),
        delaySeconds: policy.delayMs / 1000,
        durationMs: result.durationMs,
      });
    },
    beforeRetry: () => forgetFacts(run, scope, spec.task, host, item),
    check: run.check,
    interrupt: run.interrupts.interruptSignal,
    ignoreErrors: spec.task.ignoreErrors === true,
  });
}

/** The facts the task's module declared are cached: a retry reads the host again. */
async function forgetFacts(run: RunState, scope: PlayScope, task: Task, host: HostRuntime, item: unknown): Promise<void> {
  const declare = task.module.definition.facts;
  if (!declare) return;
  try {
    const evaluation = scope.evaluate(task, host.name, item);
    if (evaluation.skip !== undefined || evaluation.boundary.params === undefined) return;
    const requests = requestsOf(declare(evaluation.boundary.params));
    (await targetOf(run, host, task)).facts.forget(requests);
  } catch {
    // Nothing cached to forget: the next attempt reports its own trouble.
  }
}

async function attempt(run: RunState, scope: PlayScope, spec: TaskSpec, host: HostRuntime, ctx: HostContext, item: unknown): Promise<Outcome> {
  const { task } = spec;
  const started = Date.now();
  let phase: Phase = 'prepare';
  try {
    let evaluation: TaskEvaluation;
    try {
      evaluation = scope.evaluate(task, host.name, item);
    } catch (error) {
      if (!(error instanceof NotKnownYet && error.what === 'host facts')) throw error;
      // Params read host facts not fetched yet (prefetch fetches them for tasks it sees).
      phase = 'connect';
      await run.connections.hostFacts(host);
      phase = 'prepare';
      evaluation = scope.evaluate(task, host.name, item);
    }
    if (evaluation.skip !== undefined) return skipped(started, evaluation.skip);
    const invalid = invalidParamsError(task.module, evaluation.boundary, spec.where);
    if (invalid) throw invalid;
    phase = 'connect';
    const target = await targetOf(run, host, task);
    phase = 'module';
    // A loop's next item, or a task on another connection, is beyond the turn plan.
    const readsAfterApply =
      spec.order !== undefined && task.loop === undefined && connectionHostOf(run, host, task) === host ? scope.readsAfterApply?.(spec.order, task, host, target.facts) : undefined;
    const result = await run.interrupts.whileRunning(
      runModule(task.module.definition, target.transport, evaluation.boundary, {
        check: run.check,
        diff: run.diff,
        become: becomeOf(run, host, task),
        signal: run.interrupts.commandSignal,
        timeoutMs: taskTimeoutOf(run, task),
        facts: target.facts,
        ...reconnectOf(run, host, task),
        ...(readsAfterApply ? { readsAfterApply } : {}),
        onProgress: (line) => run.events.emit({ type: 'host.progress', play: scope.play.name, task: spec.name, host: host.name, line }),
      }),
    );
    const changed = task.changedWhen ? task.changedWhen(result, ctx) : result.changed;
    const failed = task.failedWhen ? task.failedWhen(result, ctx) : false;
    return fromModuleResult(task, result, changed, failed, started);
  } catch (error) {
    return fromError(run, spec, ctx, error, phase, started);
  }
}

/** The task's own timeout, else the run's default (0: none). */
export function taskTimeoutOf(run: RunState, task: Task): number | undefined {
  if (task.timeoutMs !== undefined) return task.timeoutMs;
  const fallback = run.options.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
  return fallback > 0 ? fallback : undefined;
}

/** The host whose connection the task runs on: its own, the one it is delegated to, or the controller ('local'). */
function connectionHostOf(run: RunState, host: HostRuntime, task: Task): HostRuntime | 'local' {
  if (task.delegateTo === undefined || task.delegateTo === host.name) return host;
  if (task.delegateTo === 'localhost' && !run.options.inventory.hosts.has('localhost')) return 'local';
  return run.hosts.get(task.delegateTo);
}

function targetOf(run: RunState, host: HostRuntime, task: Task): Promise<Target> {
  const connectionHost = connectionHostOf(run, host, task);
  return connectionHost === 'local' ? run.connections.local() : run.connections.of(connectionHost);
}

/** A module's reconnect (a reboot) goes through the run's connections, as a dropped connection's does; the controller's cannot. */
function reconnectOf(run: RunState, host: HostRuntime, task: Task): { reconnect?: Reconnect } {
  const connectionHost = connectionHostOf(run, host, task);
  if (connectionHost === 'local') return {};
  return { reconnect: ({ reason, timeoutMs, signal, ready }) => run.connections.reconnect(connectionHost, reason, { timeoutMs, signal, ready }) };
}

/**
 * The task's become (the play's and its blocks' merged in, play-steps.ts) under the host's become
 * variables, else the connection's (becomeWithVariables), each with the running play's vars
 * applied (play-connection.ts); the controller (local transport) has no become.
 */
export function becomeOf(run: RunState, host: HostRuntime, task: Task): Become | undefined {
  const connectionHost = connectionHostOf(run, host, task);
  if (connectionHost === 'local') return undefined;
  return becomeWithVariables(task.become, run.playConnections.of(connectionHost.name, connectionHost.inventoryHost.connection));
}

function fromModuleResult(task: Task, module: ModuleResult, changed: boolean, failed: boolean, started: number): Outcome {
  const error = failed ? new MeshbookError('MODULE_FAILED', 'failedWhen matched the result', { hint: 'see the task\'s failedWhen' }) : undefined;
  const ignored = failed && task.ignoreErrors === true;
  return {
    result: taskResult({
      status: failed ? (ignored ? 'ok' : 'failed') : changed ? 'changed' : 'ok',
      ignored,
      knownAfterApply: module.knownAfterApply,
      changes: module.changes.map(changeView),
      ...(module.diff ? { diff: module.diff } : {}),
      ...(error ? { error: errorView(error) } : {}),
      output: module.output,
      module,
      durationMs: Date.now() - started,
    }),
    error,
    stoppedMidway: false,
  };
}

function fromError(run: RunState, spec: TaskSpec, ctx: HostContext, thrown: unknown, phase: Phase, started: number): Outcome {
  const durationMs = Date.now() - started;
  const error = toMeshbookError(thrown, 'MODULE_FAILED', ctx.name);
  if (phase === 'connect' || error.code === 'UNREACHABLE') return failure('unreachable', error, durationMs);
  if (run.interrupts.interrupted && error.code === 'ABORTED') return { ...failure('failed', error, durationMs), stoppedMidway: true };
  if (spec.task.failedWhen && error.code !== 'KNOWN_AFTER_APPLY') {
    try {
      if (!spec.task.failedWhen(undefined, ctx, error)) return tolerated(error, durationMs);
    } catch (whenError) {
      return failure('failed', toMeshbookError(whenError, 'BAD_INPUT', ctx.name), durationMs);
    }
  }
  if (spec.task.ignoreErrors) return failure('failed', error, durationMs, true);
  return failure('failed', error, durationMs);
}

/** failedWhen said an error is no failure: ok, and registered as not failed. */
function tolerated(error: MeshbookError, durationMs: number): Outcome {
  return {
    result: taskResult({ status: 'ok', message: `failure tolerated by failedWhen: ${error.message}`, error: errorView(error), output: undefined, durationMs }),
    stoppedMidway: false,
  };
}

/** A failure; `ignored` (ignoreErrors): reported and counted as ok, registered as failed. */
function failure(status: 'failed' | 'unreachable', error: MeshbookError, durationMs: number, ignored = false): Outcome {
  return {
    result: taskResult({ status: ignored ? 'ok' : status, ignored, message: error.describe(), error: errorView(error), output: undefined, durationMs }),
    error,
    stoppedMidway: false,
  };
}

function skipped(started: number, message: string): Outcome {
  return { result: taskResult({ status: 'skipped', message, output: undefined, durationMs: Date.now() - started }), stoppedMidway: false };
}

function abandoned(started: number, reason: string): Outcome {
  const error = new MeshbookError('ABORTED', `${reason}: the loop stopped before its remaining items`);
  return { ...failure('failed', error, Date.now() - started), stoppedMidway: true };
}

function itemLabel(task: Task, item: unknown): string {
  if (task.loopLabel) return task.loopLabel(item);
  if (typeof item === 'string') return item;
  return JSON.stringify(item) ?? String(item);
}

/** The host.result event: the task result as reported (no output, no module result). */
function emitResult(run: RunState, scope: PlayScope, spec: TaskSpec, host: string, outcome: Outcome, item?: { label: string; index: number; of: number }): void {
  const { result } = outcome;
  run.events.emit({
    type: 'host.result',
    play: scope.play.name,
    task: spec.name,
    host,
    status: result.status,
    handler: spec.handler,
    ...(item !== undefined ? { item: item.label, loop: { index: item.index, of: item.of } } : {}),
    changes: result.changes,
    ...(run.diff && result.diff ? { diff: result.diff } : {}),
    ...(result.knownAfterApply ? { knownAfterApply: true } : {}),
    ...(result.ignored ? { ignored: true } : {}),
    ...(result.attempts !== undefined ? { attempt: { number: result.attempts, of: retryPolicyOf(spec.task)?.attempts ?? result.attempts } } : {}),
    ...(result.status === 'failed' && spec.rescuable ? { rescue: true } : {}),
    ...(result.message ? { message: result.message } : {}),
    ...(result.error ? { error: result.error } : {}),
    durationMs: result.durationMs,
  });
}
