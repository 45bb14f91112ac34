import { redactDeep } from '../secret.js';
import { KnownAfterApply } from '../module/unknown.js';
import type { HostOutput } from './options.js';
import type { Outcome } from './outcome.js';
import { runTaskOnHost } from './run-host-task.js';
import type { PlayScope, TaskSpec } from './run-host-task.js';
import type { HostRuntime, RunState } from './state.js';

/** Runs one task on every live host of a batch (runTaskOnHosts). */
export async function runTaskOnBatch(run: RunState, scope: PlayScope, spec: TaskSpec, batch: readonly HostRuntime[]): Promise<void> {
  await runTaskOnHosts(run, scope, spec, batch.filter((h) => h.state === 'live'));
}

/**
 * Runs one task on these hosts (a block's always also runs on hosts that failed in it), in
 * parallel within the forks limit, and waits for all of them before returning: the linear
 * strategy. task.start precedes every result of the task. Returns the hosts it failed on
 * (unreachable included), whether their failure is counted or goes to a block's rescue.
 */
export async function runTaskOnHosts(run: RunState, scope: PlayScope, spec: TaskSpec, hosts: readonly HostRuntime[]): Promise<Set<HostRuntime>> {
  const failed = new Set<HostRuntime>();
  // A stop leaves it to the caller (a block's rescue and always go on); an interrupt starts nothing.
  if (hosts.length === 0 || run.interrupts.interrupted) return failed;
  const starting = spec.task.runOnce ? hosts.slice(0, 1) : hosts;
  run.events.emit({ type: 'task.start', play: scope.play.name, task: spec.name, handler: spec.handler, hosts: starting.map((h) => h.name) });

  if (spec.task.runOnce) {
    await runOnce(run, scope, spec, hosts, failed);
    return failed;
  }
  await Promise.all(
    hosts.map((host) =>
      run.queue.add(async () => {
        // Queued behind the forks limit when the interrupt came: it never starts.
        if (run.interrupts.interrupted) return;
        if (record(run, scope, spec, host, await runTaskOnHost(run, scope, spec, host))) failed.add(host);
      }),
    ),
  );
  return failed;
}

/**
 * Ansible run_once: the first live host runs it, every live host of the batch gets the registered
 * result; a failure fails the whole batch (as Ansible does), other outcomes count only where it ran.
 */
async function runOnce(run: RunState, scope: PlayScope, spec: TaskSpec, live: readonly HostRuntime[], failed: Set<HostRuntime>): Promise<void> {
  const [first, ...others] = live as [HostRuntime, ...HostRuntime[]];
  const outcome = await run.queue.add(() => runTaskOnHost(run, scope, spec, first));
  if (!outcome) return;
  if (record(run, scope, spec, first, outcome)) failed.add(first);
  if (outcome.result.status === 'unreachable') return;
  for (const host of others) {
    if (spec.task.register) host.registered.set(spec.task.register.name, outcome.result);
    if (outcome.result.status !== 'failed') continue;
    fail(spec, host);
    failed.add(host);
    run.events.emit({
      type: 'host.result',
      play: scope.play.name,
      task: spec.name,
      host: host.name,
      status: 'failed',
      handler: spec.handler,
      changes: [],
      message: `run_once task failed on ${first.name}`,
      ...(spec.rescuable ? { rescue: true } : {}),
      ...(outcome.result.error ? { error: outcome.result.error } : {}),
      durationMs: 0,
    });
  }
}

/** Counts, host state, register and notify for one host's outcome of a task; true when it failed there. */
function record(run: RunState, scope: PlayScope, spec: TaskSpec, host: HostRuntime, outcome: Outcome): boolean {
  const { status } = outcome.result;
  if (status === 'failed') fail(spec, host);
  else host.counts[status]++;
  if (outcome.result.ignored) host.counts.ignored++;
  if (status === 'unreachable') host.state = 'unreachable';
  if (outcome.stoppedMidway) run.hosts.unknownState.add(host.name);
  if (spec.task.register) host.registered.set(spec.task.register.name, outcome.result);
  if (status === 'changed' && spec.task.notify?.length) scope.notify(host.name, spec.task.notify);
  run.options.onHostOutput?.(hostOutput(scope, spec, host.name, outcome));
  return status === 'failed' || status === 'unreachable';
}

function hostOutput(scope: PlayScope, spec: TaskSpec, host: string, { result, error }: Outcome): HostOutput {
  const output: HostOutput = { play: scope.play.name, task: spec.name, host, status: result.status, changes: result.changes };
  if (result.output !== undefined && !(result.output instanceof KnownAfterApply)) output.output = result.output;
  if (result.message) output.message = result.message;
  if (result.error) {
    output.error = { ...result.error };
    if (error?.exitCode !== undefined) output.error.exitCode = error.exitCode;
    if (error?.stdout !== undefined) output.error.stdout = error.stdout;
    if (error?.stderr !== undefined) output.error.stderr = error.stderr;
  }
  return redactDeep(output) as HostOutput;
}

/**
 * A failure: counted and the host out of the run, or, inside a block with a rescue, neither: the
 * block runs its rescue there, and counts the failure only if the rescue cannot run (run-steps.ts).
 */
function fail(spec: TaskSpec, host: HostRuntime): void {
  if (spec.rescuable) return;
  host.counts.failed++;
  host.state = 'failed';
}
