import { requestsOf } from '../module/facts.js';
import type { FactRequest } from '../module/facts.js';
import { hostFacts } from '../module/host-facts.js';
import type { Become } from '../transport/types.js';
import { NotKnownYet } from './evaluate-task.js';
import { becomeOf } from './run-host-task.js';
import type { PlayScope } from './run-host-task.js';
import type { HostRuntime, RunState } from './state.js';
import { selectedByTags } from './tags.js';
import type { Task } from './types.js';

type Prefetch = Array<{ request: FactRequest; become: Become | undefined }>;

/**
 * The read-only checks of a play's tasks in one round trip per host (issue 7): before the first
 * task, the facts every task declares (its module's `facts(params)`) are fetched in one batch. A
 * re-run where nothing changes costs one round trip for all of a play's checks; a check mode run
 * likewise. Once a task changed something on the host, what was fetched may be stale: the cache is
 * dropped and later tasks check for themselves, not the whole play again (that made first runs
 * quadratic in remote work: bench/README.md).
 *
 * Best effort: tasks whose `when` or params need registered results not known yet, loops, run_once
 * and delegated tasks are left to fetch their own facts, exactly as without prefetching. Params
 * that read host facts get them in the batch, and their own facts in a second one.
 *
 * Single-use facts (a read-only command's result) are stricter: what one reads is unknown, so a
 * change on any host of the batch (a worker joining the cluster a master's command lists) drops
 * those still unread everywhere, and a play starts without any an earlier play left unread.
 */
export class FactPrefetcher {
  /** Per host: its `changed` count when its facts were prefetched or last dropped. */
  readonly #seenChanges = new Map<string, number>();
  /** The batch's total `changed` count at the last look. */
  #seenBatchChanges: number | undefined;

  constructor(
    private readonly run: RunState,
    private readonly scope: PlayScope,
    /** The play's tasks in order, blocks walked (play-steps.ts `prefetched`). */
    private readonly items: readonly Task[],
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
          // Whatever the module declared: a prefetched fact of a later task may read what it wrote.
          this.#seenChanges.set(host.name, host.counts.changed);
          (await this.run.connections.of(host).catch(() => undefined))?.facts.invalidate();
        } else if (changedInBatch) {
          (await host.connection?.catch(() => undefined))?.facts.dropUnread();
        }
      }),
    );
  }

  async #prefetch(index: number, host: HostRuntime): Promise<void> {
    if (this.run.interrupts.interrupted) return;
    try {
      const { requests, awaitingHostFacts } = this.#requests(index, host);
      const fetchHostFacts = awaitingHostFacts.length > 0 && host.facts === undefined;
      if (requests.length === 0 && !fetchHostFacts) return;
      const target = await this.run.connections.of(host);
      await target.facts.prefetch(fetchHostFacts ? [{ request: hostFacts(null), become: undefined }, ...requests] : requests);
      if (awaitingHostFacts.length === 0) return;
      await this.run.connections.hostFacts(host); // from the cache, just fetched
      const second = this.#requests(index, host, awaitingHostFacts).requests;
      if (second.length > 0) await target.facts.prefetch(second);
    } catch {
      // Connection or batch trouble surfaces where it belongs: in the task that needs the host.
    }
  }

  /** The declared facts of the tasks from `index` on (or of `only`), and the tasks waiting for host facts. */
  #requests(index: number, host: HostRuntime, only?: readonly Task[]): { requests: Prefetch; awaitingHostFacts: Task[] } {
    const requests: Prefetch = [];
    const awaitingHostFacts: Task[] = [];
    for (const item of only ?? this.items.slice(index)) {
      if (!selectedByTags(item.tags, this.run.options)) continue;
      if (item.loop !== undefined || item.runOnce || (item.delegateTo !== undefined && item.delegateTo !== host.name)) continue;
      const declare = item.module.definition.facts;
      if (!declare) continue;
      let declared: FactRequest[];
      try {
        const evaluation = this.scope.evaluate(item, host.name, undefined);
        if (evaluation.skip !== undefined || evaluation.boundary.params === undefined) continue;
        declared = requestsOf(declare(evaluation.boundary.params));
      } catch (error) {
        if (error instanceof NotKnownYet && error.what === 'host facts') awaitingHostFacts.push(item);
        continue; // needs a value known later, or is invalid: the task itself will say so
      }
      const become = becomeOf(this.run, this.scope.play, host, item);
      for (const request of declared) {
        // The batch runs under no task's timeout: a command the task bounds runs in the task.
        if (request.fact.singleUse && item.timeoutMs !== undefined) continue;
        requests.push({ request, become });
      }
    }
    return { requests, awaitingHostFacts };
  }
}
