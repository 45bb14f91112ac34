// `node --import tsx bench/noop-host-cpu.ts [--runs R] [--baseline DIR]`: what one host spends on a
// meshbook no-op re-run of the workload, against what a bare SSH connection costs it (connect,
// `true`, close with the engine's transport), on a fresh 1-host fleet: the container's CPU (cgroup
// cpuacct, until the container is quiet again) and PIDs (threads included) per run, and the
// controller's CPU (GNU time). Runs alternate: nothing, bare connection, this checkout, baseline.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../packages/fleet/src/index.ts';
import { connectSsh } from '../packages/engine/src/transport/ssh/index.ts';
import { installPythonApt } from './lib/hosts.js';
import { writeInventory } from './lib/inventory.js';
import { capture } from './lib/shell.js';
import { repoRoot, traceArgs } from './lib/trace-args.js';

const { runs, baseline } = traceArgs(process.argv.slice(2), { runs: 5 });

const cpuNs = async (fleet: Fleet) => Number((await readFile(`/sys/fs/cgroup/cpuacct/docker/${fleet.hosts[0]!.containerId}/cpuacct.usage`, 'utf8')).trim());

async function counters(fleet: Fleet): Promise<{ pid: number; cpuNs: number }> {
  const pid = await fleet.exec(fleet.hosts[0]!.name, ['cat', '/proc/sys/kernel/ns_last_pid']);
  return { pid: Number(pid.stdout.trim()), cpuNs: await cpuNs(fleet) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(fleet: Fleet, what: () => Promise<void>): Promise<{ pids: number; cpuMs: number }> {
  const before = await counters(fleet);
  const cpuBefore = await cpuNs(fleet);
  await what();
  // What the run left running (a session's teardown) is the run's: wait for the container to go quiet.
  let last = await cpuNs(fleet);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await cpuNs(fleet);
    if (now - last < 2e6) break;
    last = now;
  }
  const cpuAfter = await cpuNs(fleet);
  const after = await counters(fleet);
  // PIDs less the docker exec of the first reading (the row `nothing` shows what reading costs).
  return { pids: after.pid - before.pid - 1, cpuMs: (cpuAfter - cpuBefore) / 1e6 };
}

const fleet = await startFleet({ hosts: 1, prefix: 'noophost', purpose: 'test' });
const scratch = await mkdtemp(join(tmpdir(), 'noop-host-cpu-'));
try {
  await installPythonApt(fleet, join(repoRoot, 'bench/results/raw/debs'));
  const inventory = join(scratch, 'inventory.yaml');
  await writeInventory(fleet, 'meshbook', inventory);
  const h = fleet.hosts[0]!;
  const controllerCpu: Record<string, number[]> = {};
  const run = (root: string) => async () => {
    const timeFile = join(scratch, 'time');
    const r = await capture(['/usr/bin/time', '-f', '%U %S', '-o', timeFile, process.execPath, 'packages/cli/bin/meshbook.js', 'run', 'bench/workload/meshbook.ts', '-i', inventory, '--json', '-f', '32'], { cwd: root });
    if (r.exitCode !== 0) throw new Error(r.stderr.slice(-1000));
    const [user = NaN, sys = NaN] = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number);
    (controllerCpu[root] ??= []).push(user + sys);
  };
  await run(repoRoot)();
  const bare = async () => {
    const t = await connectSsh({ host: h.name, address: h.address, port: h.port, user: 'root', privateKeyFile: fleet.privateKeyPath, knownHostsFile: fleet.knownHostsPath, agent: false, sshConfigFile: false });
    await t.run({ text: 'true', display: 'true' });
    await t.close();
  };
  const rows: Record<string, Array<{ pids: number; cpuMs: number }>> = { nothing: [], 'bare connection': [], 'no-op (this)': [], ...(baseline ? { 'no-op (baseline)': [] } : {}) };
  for (let i = 0; i < runs; i++) {
    rows.nothing!.push(await measure(fleet, async () => {}));
    rows['bare connection']!.push(await measure(fleet, bare));
    rows['no-op (this)']!.push(await measure(fleet, run(repoRoot)));
    if (baseline) rows['no-op (baseline)']!.push(await measure(fleet, run(baseline)));
  }
  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
  for (const [name, xs] of Object.entries(rows)) {
    console.log(`${name.padEnd(18)} container CPU median ${median(xs.map((x) => x.cpuMs)).toFixed(0)} ms (${xs.map((x) => x.cpuMs.toFixed(0)).join(' ')}), PIDs ${xs.map((x) => x.pids).join(' ')}`);
  }
  for (const [root, xs] of Object.entries(controllerCpu)) console.log(`controller CPU ${root}: median ${median(xs).toFixed(2)} s (${xs.map((x) => x.toFixed(2)).join(' ')})`);
  console.log(`load at the end ${load}`);

} finally {
  await fleet.destroy();
  await rm(scratch, { recursive: true, force: true });
}
