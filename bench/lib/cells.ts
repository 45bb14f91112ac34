import type { Scenario, Tool } from './args.js';
import type { Sample } from './samples.js';
import { median } from './stats.js';

/** Medians of one (tool, N, scenario) cell. */
export interface Cell {
  wall: number;
  cpu: number;
  maxRss: number;
  treePss: number;
  /** The busiest host's count, median over runs. */
  roundTrips: number;
  /** With a relay: the busiest host's turn count, median over runs. */
  relayTurns: number | undefined;
  changed: number;
  failures: number;
  n: number;
}

export function cellOf(samples: readonly Sample[], tool: Tool, hosts: number, scenario: Scenario, rttMs = 0): Cell | undefined {
  const s = samples.filter((x) => x.tool === tool && x.hosts === hosts && x.scenario === scenario && (x.rttMs ?? 0) === rttMs);
  if (s.length === 0) return undefined;
  const m = (f: (x: Sample) => number) => median(s.map(f));
  return {
    wall: m((x) => x.wallSeconds),
    cpu: m((x) => x.cpuSeconds),
    maxRss: m((x) => x.maxRssMb),
    treePss: m((x) => x.peakTreePssMb),
    roundTrips: m((x) => Math.max(...Object.values(x.roundTripsPerHost))),
    relayTurns: s.every((x) => x.relayTurnsPerHost) ? m((x) => Math.max(...Object.values(x.relayTurnsPerHost!))) : undefined,
    changed: m((x) => x.changedTasks),
    failures: s.filter((x) => x.exitCode !== 0).length,
    n: s.length,
  };
}
