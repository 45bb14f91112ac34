// Before a fleet's first sample: the previous fleet's containers are gone (their cgroups removed, so
// nothing of theirs still runs or exits) and this fleet's containers are idle (systemd's start-up
// and the python3-apt install done). It changes when samples are taken, not what they measure.
import { access, readFile } from 'node:fs/promises';
import type { Fleet } from '../../packages/fleet/src/index.ts';

/** cgroup v1, as Docker lays it out on this machine (first-run-trace.ts reads the same counters). */
const cgroupOf = (containerId: string) => `/sys/fs/cgroup/cpuacct/docker/${containerId}`;

export interface SettleOptions {
  /** The fleet's containers together may use at most this share of one CPU over a window. */
  idleCpuShare?: number;
  windowMs?: number;
  /** Consecutive quiet windows needed. */
  quietWindows?: number;
  /** Past this, the sample is taken anyway (the log says so). */
  maxWaitMs?: number;
}

export interface Settled {
  waitedMs: number;
  /** The previous fleet's containers still had a cgroup this long. */
  previousGoneAfterMs: number;
  /** The fleet's CPU share (of one CPU) in the last window. */
  fleetCpuShare: number;
  settled: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const exists = (path: string) => access(path).then(() => true, () => false);

async function fleetCpuNs(containerIds: readonly string[]): Promise<number> {
  const values = await Promise.all(containerIds.map((id) => readFile(`${cgroupOf(id)}/cpuacct.usage`, 'utf8').then(Number, () => 0)));
  return values.reduce((a, b) => a + b, 0);
}

/** The container ids of a fleet, to wait for their removal after it is destroyed. */
export const containerIdsOf = (fleet: Fleet): string[] => fleet.hosts.map((h) => h.containerId);

export async function waitForQuietFleet(fleet: Fleet, previousContainerIds: readonly string[], options: SettleOptions = {}): Promise<Settled> {
  const { idleCpuShare = 0.05, windowMs = 500, quietWindows = 2, maxWaitMs = 60_000 } = options;
  const started = Date.now();
  const deadline = started + maxWaitMs;
  while (Date.now() < deadline && (await Promise.all(previousContainerIds.map((id) => exists(cgroupOf(id))))).some(Boolean)) await sleep(100);
  const previousGoneAfterMs = Date.now() - started;
  const ids = containerIdsOf(fleet);
  let quiet = 0;
  let share = NaN;
  let last = await fleetCpuNs(ids);
  let lastAt = process.hrtime.bigint();
  while (quiet < quietWindows && Date.now() < deadline) {
    await sleep(windowMs);
    const now = await fleetCpuNs(ids);
    const at = process.hrtime.bigint();
    share = (now - last) / Number(at - lastAt);
    last = now;
    lastAt = at;
    quiet = share <= idleCpuShare ? quiet + 1 : 0;
  }
  return { waitedMs: Date.now() - started, previousGoneAfterMs, fleetCpuShare: share, settled: quiet >= quietWindows };
}
