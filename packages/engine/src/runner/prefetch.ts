import { factsRequestedBy } from '../module/requested-facts.js';
import type { FactRequest } from '../module/facts.js';
import type { Become } from '../transport/types.js';
import { parseParams, resolveParams } from './params.js';
import { becomeOf } from './run-host-task.js';
import type { PlayScope } from './run-host-task.js';
import type { HostRuntime, RunState } from './state.js';
import { selectedByTags } from './tags.js';
import type { PlayItem } from './types.js';

/**
 * The read-only checks of a play's tasks in one round trip per host (issue 7): before the first
 * task, and again after a task changed something on the host, the facts the remaining tasks will
 * ask for are found by probing their gathers and fetched in one batch. A re-run where nothing
 * changes costs one round trip for all of a play's checks; a check mode run likewise.
 *
 * Probing is best effort: tasks whose `when` or params need values not known yet, loops, run_once
 * and delegated tasks are left to fetch their own facts, exactly as without prefetching.
 */
export class FactPrefetcher {
  /** Per host: its `changed` count when its facts were last prefetched. */
  readonly #prefetchedAt = new Map<string, number>();

  constructor(
    private readonly run: RunState,
    private readonly scope: PlayScope,
    private readonly items: readonly PlayItem[],
  ) {}

  /** Prefetches for the tasks from `index` on, on each live host that needs it. */
  async before(index: number, hosts: readonly HostRuntime[]): Promise<void> {
    const due = hosts.filter((host) => host.state === 'live' && this.#due(host));
    await Promise.all(due.map((host) => this.run.queue.add(() => this.#prefetch(index, host))));
  }

  #due(host: HostRuntime): boolean {
    const at = this.#prefetchedAt.get(host.name);
    // In check mode nothing is applied, so what was fetched stays true for the whole play.
    return at === undefined || (!this.run.check && at !== host.counts.changed);
  }

  async #prefetch(index: number, host: HostRuntime): Promise<void> {
    this.#prefetchedAt.set(host.name, host.counts.changed);
    if (this.run.interrupted) return;
    try {
      const requests = await this.#requests(index, host);
      if (requests.length === 0) return;
      const target = await this.run.connection(host);
      // What an earlier task applied may have made any fetched fact stale, whatever the module
      // declared; the cache starts over for the rest of the play.
      if (index > 0) target.facts.invalidate();
      await target.facts.prefetch(requests);
    } catch {
      // Connection or batch trouble surfaces where it belongs: in the task that needs the host.
    }
  }

  async #requests(index: number, host: HostRuntime): Promise<Array<{ request: FactRequest; become: Become | undefined }>> {
    const ctx = this.scope.hostContext(host.name);
    const out: Array<{ request: FactRequest; become: Become | undefined }> = [];
    for (const item of this.items.slice(index)) {
      if (item.kind !== 'task' || !selectedByTags(item.tags, this.run.options)) continue;
      if (item.loop !== undefined || item.runOnce || (item.delegateTo !== undefined && item.delegateTo !== host.name)) continue;
      let params: unknown;
      try {
        if (item.when && !item.when(ctx, undefined)) continue;
        params = parseParams(item.module, resolveParams(item, ctx, undefined), '');
      } catch {
        continue; // needs a value known later, or is invalid: the task itself will say so
      }
      const become = becomeOf(this.run, this.scope.play, host, item);
      for (const request of await factsRequestedBy(item.module.definition, host.name, params, become)) out.push({ request, become });
    }
    return out;
  }
}
