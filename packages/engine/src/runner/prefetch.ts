import { requestsOf, sameBecome } from '../module/facts.js';
import type { FactCache, FactRequest, PrefetchGuard } from '../module/facts.js';
import type { PathsLeft, ReadsAfterApply } from '../module/contract.js';
import { hostFacts } from '../module/host-facts.js';
import type { Become } from '../transport/types.js';
import { NotKnownYet } from './evaluate-task.js';
import { PrefetchGuards } from './prefetch-guards.js';
import type { TaskEvaluation } from './evaluate-task.js';
import { SPECULATIVE_MARK } from './host-context.js';
import { becomeOf } from './run-host-task.js';
import type { PlayScope } from './run-host-task.js';
import type { HostRuntime, RunState } from './state.js';
import { selectedByTags } from './tags.js';
import type { Task } from './types.js';

type Prefetch = Array<{ request: FactRequest; become: Become | undefined; guard?: PrefetchGuard }>;

/**
 * The read-only checks of a play's tasks in one round trip per host (issue 7): before the first
 * task, the facts every task declares (its module's `facts(params)`) are fetched in one batch. A
 * re-run where nothing changes costs one round trip for all of a play's checks; a check mode run
 * likewise. Once a task changed something on the host, what was fetched may be stale. A module that
 * names what it wrote (ModuleDefinition.writes) has dropped just the facts that read there; the
 * rest of the batch stays good. After a change whose reach is unknown (a package installed, a
 * command run) the whole cache is dropped and the lasting checks of the tasks up to the next such
 * module are fetched again in one batch: not the whole play (re-fetching every remaining check
 * after every change made first runs quadratic in remote work: bench/README.md).
 *
 * Best effort: loops, run_once and delegated tasks are left to fetch their own facts, exactly as
 * without prefetching. Params that read host facts get them in the batch, and their own facts in a
 * second one. Params that read a result not registered yet are evaluated speculatively, with a
 * stand-in for the result (speculativeOutput): the lasting facts they declare that read named host
 * paths and whose arguments do not come from the stand-in (a copy's `dest`, when only its content
 * is a command's output) ride in the batch; the rest is left to the task.
 *
 * Single-use facts (a read-only command's result) are stricter: what one reads is unknown, so a
 * change on any host of the batch (a worker joining the cluster a master's command lists) drops
 * those still unread everywhere, and a play starts without any an earlier play left unread. In the
 * first batch of a run (never in check mode, where nothing is dropped) each carries a guard
 * (prefetch-guards.ts): the paths the tasks before it leave existing. On a host where one is
 * missing an earlier task will change something and the value would be dropped unread, so the
 * command is not run ahead but at its task, as after any change.
 */
export class FactPrefetcher {
  /** Per host: its `changed` count when its facts were prefetched or last dropped. */
  readonly #seenChanges = new Map<string, number>();
  /** Per fact cache: its wholeDrops when last looked at. A reconnect's new cache has none: all of it is new. */
  readonly #seenWholeDrops = new WeakMap<FactCache, number>();
  /** The batch's total `changed` count at the last look. */
  #seenBatchChanges: number | undefined;

  constructor(
    private readonly run: RunState,
    private readonly scope: PlayScope,
    /** The play's tasks in order, blocks walked (play-steps.ts `prefetched`). */
    private readonly items: readonly Task[],
    /** The task evaluated with stand-ins for results not registered yet (never kept). */
    private readonly speculate: (task: Task, host: string) => TaskEvaluation,
    /** The handlers the play's end would run on a host, with a task's own `notify` (HandlerQueue.waitingOn). */
    private readonly handlersAfter?: (host: string, task: Task) => readonly Task[],
  ) {}

  /** Before the task at `index` of the items: the first prefetch on each live host, or what went stale dropped. */
  async before(index: number, hosts: readonly HostRuntime[]): Promise<void> {
    const live = hosts.filter((host) => host.state === 'live');
    const batchChanges = hosts.reduce((sum, host) => sum + host.counts.changed, 0);
    const changedInBatch = !this.run.check && this.#seenBatchChanges !== undefined && batchChanges !== this.#seenBatchChanges;
    this.#seenBatchChanges = batchChanges;
    await Promise.all(
      live.map(async (host) => {
        const seen = this.#seenChanges.get(host.name);
        if (seen === undefined) {
          this.#seenChanges.set(host.name, host.counts.changed);
          // Left unread by an earlier play (its task did not run after all): not this play's to read.
          (await host.connection?.catch(() => undefined))?.facts.dropUnread();
          await this.run.queue.add(() => this.#prefetch(index, host));
        } else if (!this.run.check && seen !== host.counts.changed) {
          this.#seenChanges.set(host.name, host.counts.changed);
          const target = await this.run.connections.of(host).catch(() => undefined);
          if (!target) return;
          if (target.facts.wholeDrops === this.#seenWholeDrops.get(target.facts)) {
            // Only writes at known paths: the modules dropped what they wrote, and single-use values
            // went with it (a change with no apply behind it, by changedWhen, drops those here).
            target.facts.dropUnread();
            return;
          }
          // A change of unknown reach. Whatever a module's `invalidates` said: a prefetched fact of
          // a later task may read what it wrote. Dropped, and the next tasks' checks fetched anew.
          target.facts.invalidate();
          this.#seenWholeDrops.set(target.facts, target.facts.wholeDrops);
          await this.run.queue.add(() => this.#prefetch(index, host, 'refill'));
        } else if (changedInBatch) {
          (await host.connection?.catch(() => undefined))?.facts.dropUnread();
        }
      }),
    );
  }

  /**
   * `first`: every task's checks from `index` on, host facts if needed. `refill` (after the cache
   * was dropped): the lasting checks of the tasks up to the next whose writes are unknown.
   */
  async #prefetch(index: number, host: HostRuntime, kind: 'first' | 'refill' = 'first'): Promise<void> {
    if (this.run.interrupts.interrupted) return;
    try {
      const { requests, awaitingHostFacts } = this.#requests(index, host, undefined, kind === 'refill');
      const fetchHostFacts = kind === 'first' && awaitingHostFacts.length > 0 && host.facts === undefined;
      if (requests.length === 0 && !fetchHostFacts) {
        // Nothing to fetch opens no connection: a play whose tasks are all delegated never touches the host.
        const open = await host.connection?.catch(() => undefined);
        if (kind === 'first' && open) this.#seenWholeDrops.set(open.facts, open.facts.wholeDrops);
        return;
      }
      const target = await this.run.connections.of(host);
      if (kind === 'first') this.#seenWholeDrops.set(target.facts, target.facts.wholeDrops);
      if (kind === 'refill') {
        await target.facts.prefetch(requests);
        return;
      }
      await target.facts.prefetch(fetchHostFacts ? [{ request: hostFacts(null), become: undefined }, ...requests] : requests);
      if (awaitingHostFacts.length === 0) return;
      await this.run.connections.hostFacts(host); // from the cache, just fetched
      const second = this.#requests(index, host, awaitingHostFacts).requests;
      if (second.length > 0) await target.facts.prefetch(second);
    } catch {
      // Connection or batch trouble surfaces where it belongs: in the task that needs the host.
    }
  }

  /**
   * The turn plan behind a change of the task at `order` on `host` (ReadsAfterApply): the facts
   * the change makes stale that the next tasks will read, read in the change's own round trip.
   * After a change of unknown reach: the refill `before` would fetch (then marked done). After
   * writes at known paths: the stale lasting facts of the next task that reads any facts, when it
   * has no stale single-use ones (it would need its own round trip anyway), looking no further
   * than a task whose writes are unknown; behind the play's last task, those of the handlers the
   * play's end will run on the host. Only when every fact read runs as the task's user.
   * Check mode never applies, so never reads behind.
   */
  readsAfter(order: number, task: Task, host: HostRuntime, facts: FactCache): ReadsAfterApply | undefined {
    if (this.run.check) return undefined;
    const start = this.items[order] === task ? order + 1 : order;
    const become = becomeOf(this.run, host, task);
    const asTask = (other: Become | undefined) => sameBecome(other, become);
    return {
      plan: (written) => {
        if (written === undefined) {
          const { requests } = this.#requests(start, host, undefined, true);
          return requests.every((r) => asTask(r.become)) ? requests.map((r) => r.request) : [];
        }
        for (const item of this.items.slice(start)) {
          const { requests, awaitingHostFacts } = this.#requests(start, host, [item]);
          if (awaitingHostFacts.length > 0) return [];
          const stale = requests.filter((r) => r.request.fact.singleUse || facts.staleAfter(r.request, r.become, written));
          if (stale.length > 0) return stale.every((r) => !r.request.fact.singleUse && asTask(r.become)) ? stale.map((r) => r.request) : [];
          // The next task that reads anything reads nothing stale: no turn to save (and no scan per change).
          if (requests.length > 0 || !item.module.definition.writes) return [];
        }
        // The play's last task: what its handlers will read (the play's end flushes them next).
        if (start < this.items.length || !this.handlersAfter) return [];
        const { requests } = this.#requests(start, host, this.handlersAfter(host.name, task));
        const stale = requests.filter((r) => r.request.fact.singleUse || facts.staleAfter(r.request, r.become, written));
        return stale.every((r) => !r.request.fact.singleUse && asTask(r.become)) ? stale.map((r) => r.request) : [];
      },
      refilled: (refilled) => this.#seenWholeDrops.set(refilled, refilled.wholeDrops),
    };
  }

  /** The params of a speculative evaluation, or undefined when it yields none. */
  #speculative(item: Task, host: string): unknown {
    try {
      const evaluation = this.speculate(item, host);
      if (evaluation.skip !== undefined || evaluation.boundary.params === undefined || evaluation.boundary.invalid) return undefined;
      return evaluation.boundary.params;
    } catch {
      return undefined;
    }
  }

  /**
   * The declared facts of the tasks from `index` on (or of `only`), and the tasks waiting for host
   * facts. `refill`: lasting facts only, and only up to the first task that reads lasting facts
   * and names no writes (it included): a change there would drop the rest again.
   */
  #requests(index: number, host: HostRuntime, only?: readonly Task[], refill = false): { requests: Prefetch; awaitingHostFacts: Task[] } {
    const requests: Prefetch = [];
    const awaitingHostFacts: Task[] = [];
    // Only the first batch of a whole play's tasks: a refill holds no single-use requests.
    const guards = !this.run.check && !refill && only === undefined ? new PrefetchGuards() : undefined;
    for (const item of only ?? this.items.slice(index)) {
      if (!selectedByTags(item.tags, this.run.options)) continue;
      const leaves = item.module.definition.leaves;
      if (item.delegateTo !== undefined && item.delegateTo !== host.name) continue;
      if (item.loop !== undefined || item.runOnce) {
        if (leaves) guards?.unknownTask();
        continue;
      }
      const declare = item.module.definition.facts;
      if (!declare && !(guards && leaves)) continue;
      let declared: FactRequest[];
      let speculative = false;
      let params: unknown;
      try {
        const evaluation = this.scope.evaluate(item, host.name, undefined);
        if (evaluation.skip !== undefined || evaluation.boundary.params === undefined) {
          if (evaluation.skip === undefined && leaves) guards?.unknownTask();
          continue;
        }
        params = evaluation.boundary.params;
        declared = declare ? requestsOf(declare(params)) : [];
      } catch (error) {
        if (error instanceof NotKnownYet && error.what === 'host facts') {
          awaitingHostFacts.push(item);
          if (leaves) guards?.unknownTask();
          continue;
        }
        // Needs a result registered later (or is invalid: the task itself will say so).
        const guess = this.#speculative(item, host.name);
        if (!guess) {
          if (leaves) guards?.unknownTask();
          continue;
        }
        try {
          declared = declare ? requestsOf(declare(guess as never)) : [];
        } catch {
          if (leaves) guards?.unknownTask();
          continue;
        }
        params = guess;
        speculative = true;
      }
      const become = becomeOf(this.run, host, item);
      const guardNow = guards && declared.some((r) => r.fact.singleUse) ? guards.guardFor(become) : undefined;
      if (guards && leaves) this.#leaves(guards, leaves, params, become, speculative);
      if (refill && !item.module.definition.writes && declared.some((r) => !r.fact.singleUse)) {
        for (const request of declared) if (!request.fact.singleUse) requests.push({ request, become });
        break;
      }
      for (const request of declared) {
        // The batch runs under no task's timeout: a command the task bounds runs in the task.
        if (request.fact.singleUse && item.timeoutMs !== undefined) continue;
        if (refill && request.fact.singleUse) continue;
        // A guess may be wrong: only lasting facts that read named host paths (cheap local reads,
        // never a cluster not up yet), with arguments owing nothing to the stand-in.
        if (speculative && (request.fact.singleUse || !request.fact.reads || JSON.stringify(request.args ?? null).includes(SPECULATIVE_MARK))) continue;
        requests.push(request.fact.singleUse && guardNow ? { request, become, guard: guardNow } : { request, become });
      }
    }
    guards?.finish();
    return { requests, awaitingHostFacts };
  }

  /** What a task that will run leaves on the host, for the guards; from a guess, only paths owing nothing to a stand-in. */
  #leaves(guards: PrefetchGuards, leaves: (params: never) => PathsLeft, params: unknown, become: Become | undefined, speculative: boolean): void {
    let left: PathsLeft;
    try {
      left = leaves(params as never);
    } catch {
      guards.unknownTask();
      return;
    }
    if (!speculative) {
      guards.task(left, become);
      return;
    }
    const guessed = (path: string) => path.includes(SPECULATIVE_MARK);
    if ((left.absent ?? []).some(guessed)) guards.unknownTask();
    guards.task({ absent: left.absent ?? [], existing: (left.existing ?? []).filter((path) => !guessed(path)) }, become);
  }
}
