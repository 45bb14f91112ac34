import type { HandlerQueue } from './handlers.js';
import type { BlockStep, Step } from './play-steps.js';
import type { FactPrefetcher } from './prefetch.js';
import type { PlayScope } from './run-host-task.js';
import { runTaskOnHosts } from './run-task.js';
import type { HostRuntime, RunState } from './state.js';
import { selectedByTags } from './tags.js';

/** What the steps of one batch share. */
export interface BatchRun {
  readonly run: RunState;
  readonly scope: PlayScope;
  readonly batch: readonly HostRuntime[];
  readonly handlers: HandlerQueue;
  readonly prefetcher: FactPrefetcher;
  /** The play's failure thresholds, after each task. */
  afterTask(): void;
}

/**
 * Runs steps in order on `hosts`; a host that fails a step (or is lost) takes no further step here.
 * Returns those hosts. A host that entered already failed (a block's always, after a failure with
 * no rescue) goes on until it fails again.
 */
export async function runSteps(ctx: BatchRun, steps: readonly Step[], hosts: readonly HostRuntime[]): Promise<Set<HostRuntime>> {
  const { run } = ctx;
  const stopped = new Set<HostRuntime>();
  const liveAtStart = new Set(hosts.filter((h) => h.state === 'live'));
  const going = () =>
    hosts.filter((h) => {
      if (stopped.has(h)) return false;
      // Lost, or failed outside a task of these steps (a handler flushed here).
      if (h.state === 'unreachable' || (liveAtStart.has(h) && h.state !== 'live')) {
        stopped.add(h);
        return false;
      }
      return true;
    });

  for (const step of steps) {
    if (run.interrupts.stopped) break;
    if (step.kind === 'flush_handlers') {
      await ctx.handlers.flush(ctx.scope, ctx.batch, () => ctx.afterTask());
      continue;
    }
    if (step.kind === 'task' && !selectedByTags(step.spec.task.tags, run.options)) continue;
    const active = going();
    if (active.length === 0) break;
    if (step.kind === 'task') {
      await ctx.prefetcher.before(step.order, ctx.batch);
      for (const host of await runTaskOnHosts(run, ctx.scope, step.spec, active)) stopped.add(host);
      ctx.afterTask();
    } else {
      for (const host of await runBlock(ctx, step, active)) stopped.add(host);
    }
  }
  going();
  return stopped;
}

/**
 * Ansible's block on the hosts that reach it: its tasks; then its rescue on the hosts that failed
 * in them (each counted `rescued` once); then its always on every host that entered, failed or not,
 * unreachable ones excepted. Returns the hosts the block leaves failed: failed with no rescue, or
 * failed in the rescue or in always.
 */
async function runBlock(ctx: BatchRun, step: BlockStep, entering: readonly HostRuntime[]): Promise<Set<HostRuntime>> {
  const { run } = ctx;
  const failedInTasks = await runSteps(ctx, step.tasks, entering);
  let failed = failedInTasks;
  if (step.rescue.length > 0) {
    // Those still live: their failure was set aside for this rescue (run-task.ts `fail`).
    const toRescue = [...failedInTasks].filter((h) => h.state === 'live');
    failed = new Set([...failedInTasks].filter((h) => h.state !== 'live'));
    if (run.interrupts.stopped) {
      // The rescue will not run: the failure counts, here or in an enclosing block's rescue.
      for (const host of toRescue) {
        failed.add(host);
        if (step.rescuable) continue;
        host.counts.failed++;
        host.state = 'failed';
      }
    } else if (toRescue.length > 0) {
      for (const host of toRescue) host.counts.rescued++;
      for (const host of await runSteps(ctx, step.rescue, toRescue)) failed.add(host);
    }
  }
  const always = entering.filter((h) => h.state !== 'unreachable');
  for (const host of await runSteps(ctx, step.always, always)) failed.add(host);
  return failed;
}
