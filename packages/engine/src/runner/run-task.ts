import type { Outcome } from './outcome.js';
import { runTaskOnHost } from './run-host-task.js';
import type { PlayScope, TaskSpec } from './run-host-task.js';
import type { HostRuntime, RunState } from './state.js';

/**
 * Runs one task on every live host of a batch, in parallel within the forks limit, and waits for
 * all of them before returning: the linear strategy. task.start precedes every result of the task.
 */
export async function runTaskOnBatch(run: RunState, scope: PlayScope, spec: TaskSpec, batch: readonly HostRuntime[]): Promise<void> {
  const live = batch.filter((h) => h.state === 'live');
  if (live.length === 0 || run.interrupts.stopped) return;
  const starting = spec.task.runOnce ? live.slice(0, 1) : live;
  run.events.emit({ type: 'task.start', play: scope.play.name, task: spec.name, handler: spec.handler, hosts: starting.map((h) => h.name) });

  if (spec.task.runOnce) {
    await runOnce(run, scope, spec, live);
    return;
  }
  await Promise.all(
    live.map((host) =>
      run.queue.add(async () => {
        // Queued behind the forks limit when the interrupt came: it never starts.
        if (run.interrupts.interrupted) return;
        record(run, scope, spec, host, await runTaskOnHost(run, scope, spec, host));
      }),
    ),
  );
}

/**
 * Ansible run_once: the first live host runs it, every live host of the batch gets the registered
 * result; a failure fails the whole batch (as Ansible does), other outcomes count only where it ran.
 */
async function runOnce(run: RunState, scope: PlayScope, spec: TaskSpec, live: readonly HostRuntime[]): Promise<void> {
  const [first, ...others] = live as [HostRuntime, ...HostRuntime[]];
  const outcome = await run.queue.add(() => runTaskOnHost(run, scope, spec, first));
  if (!outcome) return;
  record(run, scope, spec, first, outcome);
  if (outcome.result.status === 'unreachable') return;
  for (const host of others) {
    if (spec.task.register) host.registered.set(spec.task.register.name, outcome.result);
    if (outcome.result.status !== 'failed') continue;
    host.counts.failed++;
    host.state = 'failed';
    run.events.emit({
      type: 'host.result',
      play: scope.play.name,
      task: spec.name,
      host: host.name,
      status: 'failed',
      handler: spec.handler,
      changes: [],
      message: `run_once task failed on ${first.name}`,
      ...(outcome.result.error ? { error: outcome.result.error } : {}),
      durationMs: 0,
    });
  }
}

/** Counts, host state, register and notify for one host's outcome of a task. */
function record(run: RunState, scope: PlayScope, spec: TaskSpec, host: HostRuntime, outcome: Outcome): void {
  const { status } = outcome.result;
  host.counts[status]++;
  if (outcome.result.ignored) host.counts.ignored++;
  if (status === 'failed') host.state = 'failed';
  if (status === 'unreachable') host.state = 'unreachable';
  if (outcome.stoppedMidway) run.hosts.unknownState.add(host.name);
  if (spec.task.register) host.registered.set(spec.task.register.name, outcome.result);
  if (status === 'changed' && spec.task.notify?.length) scope.notify(host.name, spec.task.notify);
}
