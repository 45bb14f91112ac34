import { computeBatches } from './batches.js';
import { HandlerQueue } from './handlers.js';
import { NotKnownYet } from './evaluate-task.js';
import type { PlayEvaluations } from './evaluate-task.js';
import { FactPrefetcher } from './prefetch.js';
import { createHostContext, showStandIns, speculativeOutput, type HostContextSource } from './host-context.js';
import { evaluateTask } from './evaluate-task.js';
import { playHostVars, selectPlayHosts } from './hosts.js';
import { playSteps } from './play-steps.js';
import type { PlayScope } from './run-host-task.js';
import { runSteps } from './run-steps.js';
import type { HostRuntime, RunState } from './state.js';
import type { HostContext, Play } from './types.js';
import type { Vars } from '../inventory/types.js';

export interface PlayPosition {
  index: number;
  /** True when plays follow this one: a stop then skips them, which the recap should say. */
  morePlays: boolean;
}

/** One play: its live hosts in serial batches; each batch runs every task, then its handlers. */
export async function runPlay(run: RunState, play: Play, position: PlayPosition): Promise<void> {
  const { inventory, limit, extraVars } = run.options;
  run.playConnections.enter(play);
  // Hosts that failed or were unreachable in an earlier play sit this one out.
  const hosts = selectPlayHosts(play, inventory, limit)
    .map((name) => run.hosts.get(name))
    .filter((h) => h.state === 'live');
  if (hosts.length === 0) {
    const started = Date.now();
    run.events.emit({ type: 'play.start', play: play.name, hosts: [] });
    run.events.emit({ type: 'warning', message: `play "${play.name}": no hosts left to run on (pattern "${play.hosts}")` });
    run.events.emit({ type: 'play.end', play: play.name, durationMs: Date.now() - started });
    return;
  }

  const varsCache = new Map<string, Vars>();
  const varsOf = (host: string): Vars | undefined => {
    if (!inventory.hosts.has(host)) return undefined;
    let vars = varsCache.get(host);
    if (!vars) varsCache.set(host, (vars = playHostVars(inventory, host, play, extraVars)));
    return vars;
  };
  const sourceOf = (name: string): HostContextSource => ({
    name,
    vars: varsOf(name) ?? {},
    groups: run.hosts.groups,
    groupNames: inventory.hosts.get(name)?.groups ?? [],
    check: run.check,
    hostvars: varsOf,
    lookupResult: (host, ref) => run.hosts.find(host)?.registered.get(ref),
    hostFacts: () => {
      const facts = run.hosts.find(name)?.facts;
      if (!facts) throw new NotKnownYet('host facts', `host "${name}"'s facts`);
      return facts;
    },
  });
  const contexts = new Map<string, HostContext>();
  const hostContext = (name: string): HostContext => {
    let ctx = contexts.get(name);
    if (!ctx) contexts.set(name, (ctx = createHostContext(sourceOf(name))));
    return ctx;
  };
  // Prefetch's look-ahead: results not registered yet read as stand-ins (never kept, never run).
  const speculativeContexts = new Map<string, HostContext>();
  const speculativeContext = (name: string): HostContext => {
    let ctx = speculativeContexts.get(name);
    if (!ctx) {
      ctx = createHostContext({ ...sourceOf(name), unregisteredOutput: (ref, owner) => speculativeOutput(`"${ref}" of ${owner}`) });
      speculativeContexts.set(name, ctx);
    }
    return ctx;
  };

  const evaluations = run.evaluations.of(play);
  const batches = computeBatches(hosts, play.serial);
  for (const [index, batch] of batches.entries()) {
    if (run.interrupts.stopped) return;
    await runBatch(run, play, position.index, batch, { index: index + 1, of: batches.length }, hostContext, evaluations, speculativeContext);
    const moreToDo = index < batches.length - 1 || position.morePlays;
    // Ansible ends the playbook when a whole batch failed: nothing is left that could succeed as planned.
    if (!run.interrupts.stopped && moreToDo && batch.every((h) => h.state !== 'live')) {
      run.interrupts.stop(`every host of play "${play.name}"${batches.length > 1 ? ` batch ${index + 1}/${batches.length}` : ''} failed`);
    }
  }
}

async function runBatch(
  run: RunState,
  play: Play,
  playIndex: number,
  batch: readonly HostRuntime[],
  position: { index: number; of: number },
  hostContext: (host: string) => HostContext,
  evaluations: PlayEvaluations,
  speculativeContext: (host: string) => HostContext,
): Promise<void> {
  const started = Date.now();
  run.events.emit({ type: 'play.start', play: play.name, hosts: batch.map((h) => h.name), batch: position });
  const handlers = new HandlerQueue(run, play, playIndex);
  const scope: PlayScope = {
    play,
    hostContext,
    evaluate: (task, host, item) => evaluations.evaluate(task, hostContext(host), item),
    notify: (host, names) => handlers.notify(host, names),
    readsAfterApply: (order, task, host, facts) => prefetcher.readsAfter(order, task, host, facts),
  };
  const steps = playSteps(play, playIndex);
  const prefetcher: FactPrefetcher = new FactPrefetcher(run, scope, steps.prefetched, (task, host) => evaluateTask(task, speculativeContext(host), undefined, showStandIns), (host, task) =>
    handlers.waitingOn(host, task.notify),
  );
  await runSteps({ run, scope, batch, handlers, prefetcher, halted: new Set(), afterTask: () => checkThresholds(run, play, batch) }, steps.steps, batch);
  // Handlers run at the end of a play (each batch), unless the run is stopping.
  if (!run.interrupts.stopped) await handlers.flush(scope, batch, () => checkThresholds(run, play, batch));
  run.events.emit({ type: 'play.end', play: play.name, durationMs: Date.now() - started });
}

/** any_errors_fatal and max_fail_percentage, applied per batch after each task (Ansible semantics). */
function checkThresholds(run: RunState, play: Play, batch: readonly HostRuntime[]): void {
  const failed = batch.filter((h) => h.state === 'failed').length;
  const unreachable = batch.filter((h) => h.state === 'unreachable').length;
  if (play.anyErrorsFatal && failed + unreachable > 0) {
    run.interrupts.stop(`any_errors_fatal: a host failed in play "${play.name}"`);
  } else if (play.maxFailPercentage !== undefined && (failed / batch.length) * 100 > play.maxFailPercentage) {
    run.interrupts.stop(`max_fail_percentage: ${failed} of ${batch.length} hosts failed in play "${play.name}" (more than ${play.maxFailPercentage}%)`);
  }
}
