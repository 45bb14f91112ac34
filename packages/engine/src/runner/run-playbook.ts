import type { HostCounts, RunOutcome } from '../events/types.js';
import { listHosts } from './list.js';
import type { RunPlaybookOptions, RunSummary } from './options.js';
import { runPlay } from './run-play.js';
import { RunState } from './state.js';
import type { Playbook } from './types.js';
import { validatePlaybook } from './validate.js';
import { RunEvaluations } from './evaluate-task.js';
import { runConnections } from './play-connection.js';

/**
 * Runs a playbook: Ansible's linear strategy with typed tasks. Bad input throws a BAD_INPUT
 * MeshbookError before anything connects; everything after that is reported through events and
 * the returned summary, never by writing to the terminal.
 */
export async function runPlaybook(playbook: Playbook, options: RunPlaybookOptions): Promise<RunSummary> {
  const evaluations = options.evaluations ?? new RunEvaluations();
  if (options.validate !== false) validatePlaybook(playbook, options.inventory, options, evaluations);
  const started = Date.now();
  // Validation reported any conflict between plays; without it (the caller validated), the first play's connection is used.
  const connections = runConnections(playbook, options.inventory, options);
  const run = new RunState(options, evaluations, connections.connections);
  const targeted = [...new Set(listHosts(playbook, options.inventory, options).flatMap((p) => p.hosts))];
  for (const host of targeted) run.hosts.get(host);
  run.events.emit({
    type: 'run.start',
    playbook: options.playbookName ?? playbook.name,
    check: run.check,
    diff: run.diff,
    hosts: targeted,
  });
  for (const message of connections.warnings) run.events.emit({ type: 'warning', message });

  let internalError: unknown;
  try {
    for (const [index, play] of playbook.plays.entries()) {
      if (run.interrupts.stopped) break;
      await runPlay(run, play, { index, morePlays: index < playbook.plays.length - 1 });
    }
  } catch (error) {
    internalError = error;
  } finally {
    await run.close();
  }

  const hosts: Record<string, HostCounts> = {};
  for (const host of run.hosts.all()) hosts[host.name] = { ...host.counts };
  const unknownState = [...run.hosts.unknownState];
  const durationMs = Date.now() - started;
  const outcome = internalError !== undefined ? 'internal-error' : outcomeOf(run, hosts);
  if (internalError !== undefined) {
    run.events.emit({ type: 'warning', message: `internal error: ${internalError instanceof Error ? internalError.message : String(internalError)}` });
  }
  run.events.emit({
    type: 'recap',
    hosts,
    durationMs,
    ...(run.interrupts.stopped ? { interrupted: run.interrupts.stopped } : {}),
    ...(unknownState.length > 0 ? { unknownState } : {}),
  });
  run.events.emit({ type: 'run.end', outcome, durationMs });
  if (internalError !== undefined) throw internalError;
  return { outcome, hosts, ...(run.interrupts.stopped ? { interrupted: run.interrupts.stopped } : {}), unknownState, durationMs };
}

function outcomeOf(run: RunState, hosts: Record<string, HostCounts>): RunOutcome {
  const counts = Object.values(hosts);
  if (run.interrupts.interrupted) return 'interrupted';
  if (counts.some((c) => c.failed > 0)) return 'host-failed';
  if (counts.some((c) => c.unreachable > 0)) return 'unreachable';
  return 'ok';
}
