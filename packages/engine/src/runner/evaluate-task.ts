import { MeshbookError } from '../errors.js';
import type { AnyModule, BoundaryParams } from '../module/contract.js';
import { KnownAfterApply } from '../module/unknown.js';
import { zodProblems } from '../module/validation.js';
import { changingReadsOf } from './host-context.js';
import type { HostContext, Play, Task } from './types.js';

/**
 * Thrown by a host context for what does not exist yet where params are being evaluated: a
 * registered result before the run (validation), host facts before they were fetched. Validation
 * and prefetch skip the task; the run fetches host facts and evaluates again.
 */
export class NotKnownYet extends Error {
  constructor(
    readonly what: 'registered result' | 'host facts',
    detail: string,
  ) {
    super(`${detail} is not known yet`);
    this.name = 'NotKnownYet';
  }
}

/** What a task is for one host and loop item: skipped by `when`, or params at the engine's boundary. */
export type TaskEvaluation = { skip: string } | { skip?: undefined; boundary: BoundaryParams<unknown> };

/** The loop's items for a host, or undefined for a task that does not loop. */
export function loopItems(task: Task, host: HostContext): readonly unknown[] | undefined {
  if (task.loop === undefined) return undefined;
  return typeof task.loop === 'function' ? task.loop(host) : task.loop;
}

/**
 * The one evaluation of a task for a host and item, shared by validation, prefetch and the run:
 * `when`, then params, then the module's params boundary. A value known only after apply, read
 * with `host.output()`, stands for the whole params. Other errors (a bad variable) are thrown.
 * `prepare` rewrites the raw params first (prefetch's look-ahead shows its stand-ins as text).
 */
export function evaluateTask(task: Task, host: HostContext, item: unknown, prepare: (raw: unknown) => unknown = (raw) => raw): TaskEvaluation {
  if (task.when && !task.when(host, item)) return { skip: 'conditional result was false' };
  let raw: unknown;
  try {
    const params = task.params as unknown;
    raw = typeof params === 'function' ? (params as (h: HostContext, i: unknown) => unknown)(host, item) : params;
  } catch (thrown) {
    if (thrown instanceof KnownAfterApply) return { boundary: { knownAfterApply: [thrown] } };
    throw thrown;
  }
  return { boundary: task.module.atBoundary(prepare(raw)) };
}

/** The BAD_INPUT error for params the schema refused, naming the task's path and each field. */
export function invalidParamsError(module: AnyModule, boundary: BoundaryParams<unknown>, where: string): MeshbookError | undefined {
  if (!boundary.invalid) return undefined;
  return new MeshbookError('BAD_INPUT', `${where}: ${zodProblems(boundary.invalid).join('; ')}`, {
    hint: `fix the listed field(s) of the ${module.name} task`,
  });
}

/**
 * A play's evaluations, so validation, prefetch and the run evaluate a task's params once per
 * host: kept when the params read nothing that changes during the run (registered results, host
 * facts). Loop items are evaluated each time (the loop itself may read a result).
 */
export class PlayEvaluations {
  readonly #kept = new Map<Task, Map<string, TaskEvaluation>>();

  evaluate(task: Task, host: HostContext, item: unknown): TaskEvaluation {
    if (task.loop !== undefined) return evaluateTask(task, host, item);
    const kept = this.#kept.get(task)?.get(host.name);
    if (kept) return kept;
    const before = changingReadsOf(host);
    const evaluation = evaluateTask(task, host, item);
    if (changingReadsOf(host) === before) {
      let perHost = this.#kept.get(task);
      if (!perHost) this.#kept.set(task, (perHost = new Map()));
      perHost.set(host.name, evaluation);
    }
    return evaluation;
  }
}

/** One PlayEvaluations per play of a run, shared by its validation and its run. */
export class RunEvaluations {
  readonly #plays = new Map<Play, PlayEvaluations>();

  of(play: Play): PlayEvaluations {
    let evaluations = this.#plays.get(play);
    if (!evaluations) this.#plays.set(play, (evaluations = new PlayEvaluations()));
    return evaluations;
  }
}
