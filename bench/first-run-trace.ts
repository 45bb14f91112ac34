// `node --import tsx bench/first-run-trace.ts N [--runs R] [--baseline DIR] [--noop]`: where a meshbook
// first run (with --noop: the no-op re-run after one) of the workload spends its time, in measures the
// machine's load barely moves; also the controller's CPU (GNU time) and the machine's busy CPU over
// the run (/proc/stat: the controller, the hosts and whatever else ran). Per run,
// a fresh N-host fleet; per host the round trips (recap), the processes and threads the host
// started (its PID namespace's ns_last_pid) and the CPU time its container used (cgroup cpuacct);
// per task the wall time from its task.start to the next. With --baseline, runs alternate between
// this checkout and DIR's (built), each on its own fresh fleet. With --rtt MS, the hosts are reached
// through the bench's latency relays (lib/fleet-relays.ts, in this process: its CPU over the run is
// printed as the relays'), and each task's line adds when its first and last host finished.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../packages/fleet/src/index.ts';
import { startFleetRelays, type FleetRelays } from './lib/fleet-relays.js';
import { installPythonApt } from './lib/hosts.js';
import { writeInventory } from './lib/inventory.js';
import { repoRoot, traceArgs, traceOutDir } from './lib/trace-args.js';
import { capture } from './lib/shell.js';
import { runEvents } from './lib/run-events.js';

const args = traceArgs(process.argv.slice(2));
const { hosts, runs, baseline } = args;
const noop = args.has('--noop');
const rttMs = Number(args.option('--rtt') ?? 0);
const outDir = traceOutDir('first-run-trace');
await mkdir(outDir, { recursive: true });

interface HostCounters {
  lastPid: number;
  cpuNs: number;
}

async function counters(fleet: Fleet): Promise<Map<string, HostCounters>> {
  const out = new Map<string, HostCounters>();
  await Promise.all(
    fleet.hosts.map(async (h) => {
      const pid = await fleet.exec(h.name, ['cat', '/proc/sys/kernel/ns_last_pid']);
      const cpu = await readFile(`/sys/fs/cgroup/cpuacct/docker/${h.containerId}/cpuacct.usage`, 'utf8').catch(() => '0');
      out.set(h.name, { lastPid: Number(pid.stdout.trim()), cpuNs: Number(cpu.trim()) });
    }),
  );
  return out;
}

const cpus = (await readFile('/proc/cpuinfo', 'utf8')).split('\n').filter((l) => l.startsWith('processor')).length;
const ticksPerSecond = 100; // USER_HZ

/** The machine's busy CPU-seconds since boot (/proc/stat's first line, less idle and iowait). */
async function machineBusy(): Promise<number> {
  const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const [u = 0, n = 0, sy = 0, , , irq = 0, soft = 0, steal = 0] = fields;
  return (u + n + sy + irq + soft + steal) / ticksPerSecond;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function oneRun(label: string, root: string, run: number): Promise<void> {
  const fleet = await startFleet({ hosts, prefix: `trace${hosts}${noop ? 'n' : ''}`, purpose: 'test' });
  let relays: FleetRelays | undefined;
  try {
    await installPythonApt(fleet, join(repoRoot, 'bench/results/raw/debs'));
    const inventory = join(outDir, `${label}-${run}-inventory.yaml`);
    if (rttMs > 0) relays = await startFleetRelays(fleet, rttMs, join(outDir, `${label}-${run}-known_hosts`));
    await writeInventory(fleet, 'meshbook', inventory, relays);
    const runArgv = [process.execPath, 'packages/cli/bin/meshbook.js', 'run', 'bench/workload/meshbook.ts', '-i', inventory, '--json', '-f', '32'];
    if (noop) {
      const first = await capture(runArgv, { cwd: root });
      if (first.exitCode !== 0) throw new Error(`the first run failed: ${first.stderr.slice(-2000)}`);
    }
    const timeFile = join(outDir, `${label}-${run}-time`);
    const before = await counters(fleet);
    const busyBefore = await machineBusy();
    relays?.resetTurns();
    const relayCpuBefore = process.cpuUsage();
    const t0 = Date.now();
    const result = await capture(['/usr/bin/time', '-f', '%U %S', '-o', timeFile, ...runArgv], { cwd: root });
    const wallMs = Date.now() - t0;
    const busy = (await machineBusy()) - busyBefore;
    const relayCpu = process.cpuUsage(relayCpuBefore);
    const turns = Object.values(relays?.turnsPerHost() ?? {});
    const after = await counters(fleet);
    const [user = NaN, sys = NaN] = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number);
    const events = runEvents(result.stdout);
    const recap = events.find((e) => e.type === 'recap');
    const rt = Object.values(recap?.hosts ?? {}).map((h) => h.roundTrips);
    const forks = fleet.hosts.map((h) => after.get(h.name)!.lastPid - before.get(h.name)!.lastPid - 1); // less the docker exec of the reading
    const cpu = fleet.hosts.map((h) => (after.get(h.name)!.cpuNs - before.get(h.name)!.cpuNs) / 1e9);
    const changed = events.filter((e) => e.type === 'host.result' && e.status === 'changed').length;
    console.log(
      `\n[${label} run ${run + 1}] exit ${result.exitCode}, wall ${(wallMs / 1000).toFixed(2)} s, load ${(await readFile('/proc/loadavg', 'utf8')).split(' ')[0]}, changed ${changed}; ` +
        `per host: round trips ${median(rt)} (min ${Math.min(...rt)}, max ${Math.max(...rt)}), ` +
        `pids ${median(forks)} (min ${Math.min(...forks)}, max ${Math.max(...forks)}), container CPU ${median(cpu).toFixed(3)} s (sum ${cpu.reduce((a, b) => a + b, 0).toFixed(2)}); ` +
        `controller CPU ${(user + sys).toFixed(2)} s (user ${user.toFixed(2)}, sys ${sys.toFixed(2)}); machine busy ${busy.toFixed(2)} CPU-s of ${((wallMs / 1000) * cpus).toFixed(2)}` +
        (relays ? `; relays (this process) CPU ${((relayCpu.user + relayCpu.system) / 1e6).toFixed(2)} s, relay turns per host ${median(turns)}` : ''),
    );
    const marks = events.filter((e) => e.type === 'play.start' || e.type === 'task.start' || e.type === 'recap');
    const statusOf = (task: string | undefined, handler: boolean | undefined) =>
      [...new Set(events.filter((e) => e.type === 'host.result' && e.task === task && !!e.handler === !!handler).map((e) => e.status))].join('/');
    const lines: string[] = [`${String(events[0]!.time - t0).padStart(6)} ms  (spawn to first event)`];
    for (let i = 0; i < marks.length - 1; i++) {
      const e = marks[i]!;
      const done = events.filter((r) => r.type === 'host.result' && e.type === 'task.start' && r.task === e.task && !!r.handler === !!e.handler).map((r) => r.time - e.time);
      const spread = done.length > 0 ? `  (hosts done ${Math.min(...done)}-${Math.max(...done)} ms, median ${median(done)})` : '';
      lines.push(`${String(marks[i + 1]!.time - e.time).padStart(6)} ms  ${e.type === 'play.start' ? '(play start: connect, prefetch)' : `${e.handler ? 'handler ' : ''}${e.task} [${statusOf(e.task, e.handler)}]`}${spread}`);
    }
    lines.push(`${String(t0 + wallMs - marks.at(-1)!.time).padStart(6)} ms  (recap to exit)`);
    console.log(lines.join('\n'));
    if (result.exitCode !== 0) console.log(result.stderr.slice(-2000));
  } finally {
    await relays?.close();
    await fleet.destroy();
  }
}

for (let run = 0; run < runs; run++) {
  await oneRun('this', repoRoot, run);
  if (baseline) await oneRun('baseline', baseline, run);
}
