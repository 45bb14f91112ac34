import { mkdir, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Fleet } from '../../packages/fleet/src/index.ts';
import { ansibleSetup } from './ansible.js';
import { engineBuild } from './engine-build.js';
import type { BenchTool, Scenario } from './args.js';
import type { FleetRelays } from './fleet-relays.js';
import { writeInventory } from './inventory.js';
import { measure } from './measure.js';
import { ansibleSessions, meshbookRoundTrips } from './round-trips.js';
import { ansibleChanged, meshbookChanged, type Sample } from './samples.js';

/** Both tools get as many forks as the Ansible baseline (>= every N benchmarked). */
export const FORKS = 32;

export interface RunContext {
  repoRoot: string;
  fleet: Fleet;
  /** This sample's raw directory (inventory, output, Ansible config). */
  dir: string;
  run: number;
  /** The checkout the `baseline` tool runs meshbook from. */
  baselineRoot?: string;
  /** Latency relays the tool reaches the hosts through (absent: straight to the hosts). */
  relays?: FleetRelays;
}

/**
 * One playbook run of `tool` against the fleet, measured. meshbook is started as its bin script
 * with node (what `npx meshbook` ends up executing, without npx's own start-up).
 */
export async function runTool(tool: BenchTool, scenario: Scenario, ctx: RunContext): Promise<Sample> {
  const dir = join(ctx.dir, `${tool}-${scenario}`);
  await mkdir(dir, { recursive: true });
  const inventory = join(dir, 'inventory.yaml');
  await writeInventory(ctx.fleet, tool === 'baseline' ? 'meshbook' : tool, inventory, ctx.relays);
  const stdoutPath = join(dir, 'stdout.txt');
  const stderrPath = join(dir, 'stderr.txt');
  const loadAverage1m = loadavg()[0]!;
  const base = { tool, hosts: ctx.fleet.hosts.length, scenario, run: ctx.run, loadAverage1m, rttMs: ctx.relays?.rttMs ?? 0, engineBuild: await engineBuild(tool === 'baseline' ? ctx.baselineRoot! : ctx.repoRoot) };
  ctx.relays?.resetTurns();
  const relayTurns = () => (ctx.relays ? { relayTurnsPerHost: ctx.relays.turnsPerHost() } : {});

  if (tool === 'meshbook' || tool === 'baseline') {
    const argv = [process.execPath, 'packages/cli/bin/meshbook.js', 'run', 'bench/workload/meshbook.ts', '-i', inventory, '--json', '-f', String(FORKS)];
    const cwd = tool === 'baseline' ? ctx.baselineRoot! : ctx.repoRoot;
    const m = await measure(argv, { cwd, env: process.env, stdoutPath, stderrPath });
    return { ...base, ...m, ...relayTurns(), roundTripsPerHost: await meshbookRoundTrips(stdoutPath), changedTasks: await meshbookChanged(stdoutPath) };
  }
  const setup = await ansibleSetup(join(dir, 'ansible'), FORKS, tool === 'mitogen' ? 'mitogen_linear' : undefined);
  const argv = ['ansible-playbook', '-i', inventory, 'bench/workload/ansible.yaml'];
  const m = await measure(argv, { cwd: ctx.repoRoot, env: setup.env, stdoutPath, stderrPath, detachedHelperMarker: setup.controlPathDir });
  await rm(setup.controlPathDir, { recursive: true, force: true });
  const ports = new Map(ctx.fleet.hosts.map((h) => [String(ctx.relays?.portOf(h.name) ?? h.port), h.name]));
  return { ...base, ...m, ...relayTurns(), roundTripsPerHost: await ansibleSessions(setup.sessionLogPath, ports, ctx.fleet), changedTasks: await ansibleChanged(stdoutPath) };
}
