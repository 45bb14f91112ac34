import { readFile } from 'node:fs/promises';
import type { BenchTool, Scenario } from './args.js';

/** One measured run of one tool on one fleet. */
export interface Sample {
  tool: BenchTool;
  hosts: number;
  scenario: Scenario;
  run: number;
  exitCode: number;
  wallSeconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  peakTreePssMb: number;
  /** The harness's own CPU during the run (sampler): shared cores, so it is reported. */
  harnessCpuSeconds?: number;
  /** meshbook: transport round trips; Ansible: SSH sessions opened. Per host. */
  roundTripsPerHost: Record<string, number>;
  /** Round-trip time added by the latency relay (ms); 0 or absent: straight to the hosts on loopback. */
  rttMs?: number;
  /** With a relay: turns (a request after a reply) per host as the relay saw them, SSH handshake included. */
  relayTurnsPerHost?: Record<string, number>;
  /** Sum over hosts of changed tasks, from the tool's own recap (a sanity check on the scenario). */
  changedTasks: number;
  loadAverage1m: number;
  /** engineBuild() when the sample ran (meshbook's dist; Ansible samples carry it too). */
  engineBuild?: string;
}

/** meshbook's --json recap: changed tasks summed over hosts. */
export async function meshbookChanged(jsonLinesPath: string): Promise<number> {
  let changed = 0;
  for (const line of (await readFile(jsonLinesPath, 'utf8')).split('\n')) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as { type: string; hosts?: Record<string, { changed: number }> };
    if (event.type === 'recap') for (const c of Object.values(event.hosts ?? {})) changed += c.changed;
  }
  return changed;
}

/** Ansible's PLAY RECAP (Mitogen's too): `node1 : ok=25 changed=0 ...`, summed over hosts. */
export async function ansibleChanged(stdoutPath: string): Promise<number> {
  let changed = 0;
  for (const match of (await readFile(stdoutPath, 'utf8')).matchAll(/^\S+\s+:\s+ok=\d+\s+changed=(\d+)/gm)) changed += Number(match[1]);
  return changed;
}
