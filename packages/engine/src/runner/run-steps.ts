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
  /**
   * Hosts a stop (a failure threshold) caught with tasks of a block still to run: they take no
   * further step, the rescue and always of the blocks around them included (as in Ansible).
   */
  readonly halted: Set<HostRuntime>;
  /** The play's failure thresholds, after each task. */
  afterTask(): void;
}

/**
 * Runs steps in order on `hosts`; a host that fails a step (or is lost) takes no further step here.
 * Returns those hosts. A host that entered already failed (a block's always, after a failure with
 * no rescue) goes on until it fails again. `carryOn`: a rescue or always section, which a stop
 * (a failure threshold) does not cut short, as in Ansible; an interrupt does.
 */
export async function runSteps(ctx: BatchRun, steps: readonly Step[], hosts: readonly HostRuntime[], carryOn = false): Promise<Set<HostRuntime>> {
  const { run } = ctx;
  const stopped = new Set<HostRuntime>();
  const liveAtStart = new Set(hosts.filter((h) => h.state === 'live'));
  const going = () =>
    hosts.filter((h) => {
      if (stopped.has(h) || ctx.halted.has(h)) return false;
      // Lost, or failed outside a task of these steps (a handler flushed here).
      if (h.state === 'unreachable' || (liveAtStart.has(h) && h.state !== 'live')) {
        stopped.add(h);
        return false;
      }
      return true;
    });

  for (const step of steps) {
    if (step.kind === 'task' && !selectedByTags(step.spec.task.tags, run.options)) continue;
    if (step.kind === 'block' && !hasSelectedTask(step, run.options)) {
      // None of its tasks runs: no block events, no rescue; a flushHandlers inside it still flushes.
      if (hasFlush(step) && !run.interrupts.interrupted) await runSteps(ctx, [...step.tasks, ...step.always], hosts, carryOn);
      continue;
    }
    if (run.interrupts.interrupted) break;
    if (run.interrupts.stopped && !carryOn) {
      for (const host of going()) ctx.halted.add(host);
      break;
    }
    if (step.kind === 'flush_handlers') {
      await ctx.handlers.flush(ctx.scope, ctx.batch, () => ctx.afterTask());
      continue;
    }
    const active = going();
    if (active.length === 0) break;
    if (step.kind === 'task') {
      await ctx.prefetcher.before(step.order, ctx.batch);
      for (const host of await runTaskOnHosts(run, ctx.scope, step.spec, active)) stopped.add(host);
      ctx.afterTask();
    } else {
      for (const host of await runBlock(ctx, step, active, carryOn)) stopped.add(host);
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
 *
 * When the run stops (any_errors_fatal, max_fail_percentage), Ansible spares the hosts whose next
 * task is in a rescue or an always: a host whose block failed still runs the rescue and always, a
 * host that finished the block's tasks runs always, a host in them finishes them; a host caught
 * with tasks of the block still to run stops there (`halted`). A block inside a rescue or always
 * (`carryOn`) runs whole for the hosts going through it. An interrupt (Ctrl-C) stops everything:
 * no rescue, no always.
 */
async function runBlock(ctx: BatchRun, step: BlockStep, entering: readonly HostRuntime[], carryOn: boolean): Promise<Set<HostRuntime>> {
  const { run } = ctx;
  announce(ctx, 'block.start', step, entering);
  const failedInTasks = await runSteps(ctx, step.tasks, entering, carryOn);
  let failed = failedInTasks;
  if (step.rescue.length > 0) {
    // Those still live: their failure was set aside for this rescue (run-task.ts `fail`).
    const toRescue = [...failedInTasks].filter((h) => h.state === 'live');
    failed = new Set([...failedInTasks].filter((h) => h.state !== 'live'));
    if (run.interrupts.interrupted) {
      // The rescue will not run: the failure counts, here or in an enclosing block's rescue.
      for (const host of toRescue) {
        failed.add(host);
        if (step.rescuable) continue;
        host.counts.failed++;
        host.state = 'failed';
      }
    } else if (toRescue.length > 0) {
      for (const host of toRescue) host.counts.rescued++;
      announce(ctx, 'block.rescue', step, toRescue);
      for (const host of await runSteps(ctx, step.rescue, toRescue, true)) failed.add(host);
    }
  }
  const always = entering.filter((h) => h.state !== 'unreachable' && !ctx.halted.has(h));
  if (step.always.length > 0 && !run.interrupts.interrupted) announce(ctx, 'block.always', step, always);
  for (const host of await runSteps(ctx, step.always, always, true)) failed.add(host);
  return failed;
}

/** The block's event for a part starting on these hosts (none: no event). */
function announce(ctx: BatchRun, type: 'block.start' | 'block.rescue' | 'block.always', step: BlockStep, hosts: readonly HostRuntime[]): void {
  if (hosts.length === 0) return;
  ctx.run.events.emit({ type, play: ctx.scope.play.name, block: step.block.name, hosts: hosts.map((h) => h.name) });
}

/** Whether the tag selection keeps any task of the block (its rescue and always included): else it is left out, events too. */
function hasSelectedTask(step: BlockStep, options: RunState['options']): boolean {
  return [...step.tasks, ...step.rescue, ...step.always].some(
    (inner) => (inner.kind === 'task' && selectedByTags(inner.spec.task.tags, options)) || (inner.kind === 'block' && hasSelectedTask(inner, options)),
  );
}

/** Whether a flushHandlers sits in the block's tasks or always (a rescue runs only after a failure), nested blocks included. */
function hasFlush(step: BlockStep): boolean {
  return [...step.tasks, ...step.always].some((inner) => inner.kind === 'flush_handlers' || (inner.kind === 'block' && hasFlush(inner)));
}
