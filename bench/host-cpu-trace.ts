// `node --import tsx bench/host-cpu-trace.ts N [--runs R] [--baseline DIR] [--ansible]`: where a
// host's CPU goes in a first run of the workload, per task and per process. Per run, a fresh N-host
// fleet; the container's CPU (cgroup cpuacct, read from the controller's side, so the reading costs
// the host nothing) at every task.start of meshbook's --json events and once more 3 s after the run
// (a restart's tail); per task, the CPU from its start to the next mark (median over hosts). Per
// process: /proc/PID/stat of every process before and after, own time and that of the children
// each waited for (systemd's: the services that ended, the generators; sshd's: the sessions and
// every command in them). The host's systemd cannot make cpuacct groups of its own in the
// container, so there is no per-unit split. With --baseline, runs alternate between this checkout
// and DIR's (built); with --ansible, Ansible's run of its twin playbook too (per process only: it
// emits no events).
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startFleet, type Fleet } from '../packages/fleet/src/index.ts';
import { ansibleSetup } from './lib/ansible.js';
import { installPythonApt } from './lib/hosts.js';
import { writeInventory } from './lib/inventory.js';
import { repoRoot, traceArgs, traceOutDir } from './lib/trace-args.js';
import type { RunEvent } from './lib/run-events.js';

const args = traceArgs(process.argv.slice(2));
const { hosts, runs, baseline } = args;
const withAnsible = args.has('--ansible');
const outDir = traceOutDir('host-cpu-trace');
await mkdir(outDir, { recursive: true });

const CPUACCT = '/sys/fs/cgroup/cpuacct/docker';
const containerCpu = async (containerId: string) => Number((await readFile(join(CPUACCT, containerId, 'cpuacct.usage'), 'utf8').catch(() => '0')).trim());
const TICK_S = 0.01; // /proc/PID/stat's times are in clock ticks (USER_HZ 100)

interface Proc {
  comm: string;
  own: number;
  children: number;
}

/** Every process of the host's PID namespace: its own CPU and its waited-for children's (ticks). */
async function processes(fleet: Fleet, host: string): Promise<Map<string, Proc>> {
  const r = await fleet.exec(host, ['sh', '-c', 'for f in /proc/[0-9]*/stat; do cat "$f" 2>/dev/null; echo; done']);
  const out = new Map<string, Proc>();
  for (const line of r.stdout.split('\n')) {
    const open = line.indexOf('(');
    const close = line.lastIndexOf(')');
    if (open < 0 || close < 0) continue;
    const f = line.slice(close + 2).split(' ');
    out.set(`${line.slice(0, open - 1)} ${line.slice(open + 1, close)}`, {
      comm: line.slice(open + 1, close),
      own: Number(f[11]) + Number(f[12]),
      children: Number(f[13]) + Number(f[14]),
    });
  }
  return out;
}

/**
 * Per-process CPU (s) of a run: long-lived processes' own time, and what their children that ended
 * cost (a parent's cutime/cstime counts what it waited for, its children's children included):
 * systemd's children are the services that ended (the containerd a restart stopped, ExecStartPre's
 * modprobe, the generators of a daemon-reload), sshd's are the sessions with every command in them.
 */
function perProcess(before: Map<string, Proc>, after: Map<string, Proc>): Map<string, number> {
  const out = new Map<string, number>();
  const add = (k: string, ticks: number) => ticks && out.set(k, (out.get(k) ?? 0) + ticks * TICK_S);
  for (const [key, p] of after) {
    const b = before.get(key);
    const pid = key.split(' ')[0];
    const who = pid === '1' ? 'systemd (PID 1)' : p.comm;
    add(`${who}${b ? '' : ' (started in the run)'}`, p.own - (b?.own ?? 0));
    add(`${who}: children that ended`, p.children - (b?.children ?? 0));
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const cpuAll = async (fleet: Fleet) => Promise.all(fleet.hosts.map((h) => containerCpu(h.containerId)));
const procsAll = async (fleet: Fleet) => Promise.all(fleet.hosts.map((h) => processes(fleet, h.name)));
const load = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Mark {
  label: string;
  cpu: number[];
}

/** Runs argv, reading every host's container CPU at each play.start/task.start/recap line of its stdout. */
async function runSampled(fleet: Fleet, argvRun: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const marks: Mark[] = [{ label: '(spawn to first event)', cpu: await cpuAll(fleet) }];
  const t0 = Date.now();
  const child = spawn(argvRun[0]!, argvRun.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const closed = new Promise<number>((r) => child.on('close', (c) => r(c ?? 1)));
  const pending: Promise<void>[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as RunEvent;
    if (e.type !== 'play.start' && e.type !== 'task.start' && e.type !== 'recap') continue;
    const label = e.type === 'play.start' ? '(play start: connect, prefetch)' : e.type === 'recap' ? '(recap to exit)' : `${e.handler ? 'handler ' : ''}${e.task}`;
    const mark: Mark = { label, cpu: [] };
    marks.push(mark);
    pending.push(cpuAll(fleet).then((c) => void (mark.cpu = c)));
  }
  const exitCode = await closed;
  const wallMs = Date.now() - t0;
  await Promise.all(pending);
  marks.push({ label: '(exit to exit + 3 s)', cpu: await cpuAll(fleet) });
  await sleep(3000);
  marks.push({ label: '(end)', cpu: await cpuAll(fleet) });
  return { exitCode, marks, stderr, wallMs };
}

const procTotals = new Map<string, Map<string, number[]>>();
const taskTotals = new Map<string, Map<string, number[]>>();
const push = (m: Map<string, Map<string, number[]>>, label: string, key: string, v: number) => {
  if (!m.has(label)) m.set(label, new Map());
  const inner = m.get(label)!;
  if (!inner.has(key)) inner.set(key, []);
  inner.get(key)!.push(v);
};

async function oneRun(label: string, run: number): Promise<void> {
  const fleet = await startFleet({ hosts, prefix: `fhcpu${hosts}`, purpose: 'test' });
  try {
    await installPythonApt(fleet, join(repoRoot, 'bench/results/raw/debs'));
    const tool = label === 'ansible' ? 'ansible' : 'meshbook';
    const inventory = join(outDir, `${label}-${run}-inventory.yaml`);
    await writeInventory(fleet, tool, inventory);
    await sleep(2000); // the hosts settle after the dpkg installs
    const before = await procsAll(fleet);
    let result;
    if (tool === 'ansible') {
      const setup = await ansibleSetup(join(outDir, `ansible-${run}`), 32);
      result = await runSampled(fleet, ['ansible-playbook', '-i', inventory, 'bench/workload/ansible.yaml'], repoRoot, setup.env);
    } else {
      const root = label === 'baseline' ? baseline! : repoRoot;
      result = await runSampled(fleet, [process.execPath, 'packages/cli/bin/meshbook.js', 'run', 'bench/workload/meshbook.ts', '-i', inventory, '--json', '-f', '32'], root, process.env);
    }
    const after = await procsAll(fleet);
    const { marks } = result;
    const total = fleet.hosts.map((_, h) => (marks.at(-1)!.cpu[h]! - marks[0]!.cpu[h]!) / 1e9);
    console.log(
      `\n[${label} run ${run + 1}] exit ${result.exitCode}, wall ${(result.wallMs / 1000).toFixed(2)} s, load ${await load()}; ` +
        `per host (median): container CPU ${median(total).toFixed(3)} s (run + 3 s); by process (10 ms ticks):`,
    );
    push(procTotals, label, 'container (cpuacct)', median(total));
    const per = fleet.hosts.map((_, h) => perProcess(before[h]!, after[h]!));
    const keys = [...new Set(per.flatMap((p) => [...p.keys()]))].sort();
    for (const k of keys) {
      const v = median(per.map((p) => p.get(k) ?? 0));
      push(procTotals, label, k, v);
      console.log(`  ${v.toFixed(2).padStart(6)}  ${k}`);
    }
    if (tool === 'meshbook') {
      console.log('  per task (median over hosts, container CPU-s from its task.start to the next mark):');
      for (let i = 0; i < marks.length - 1; i++) {
        const v = median(fleet.hosts.map((_, h) => (marks[i + 1]!.cpu[h]! - marks[i]!.cpu[h]!) / 1e9));
        push(taskTotals, label, marks[i]!.label, v);
        console.log(`  ${v.toFixed(3).padStart(7)}  ${marks[i]!.label}`);
      }
    }
    if (result.exitCode !== 0) console.log(result.stderr.slice(-2000));
  } finally {
    await fleet.destroy();
  }
}

for (let run = 0; run < runs; run++) {
  await oneRun('this', run);
  if (baseline) await oneRun('baseline', run);
  if (withAnsible) await oneRun('ansible', run);
}
for (const [label, m] of procTotals) {
  console.log(`\n${label}: per host, medians over ${runs} run(s), CPU-s by process`);
  for (const [k, v] of m) console.log(`  ${median(v).toFixed(3).padStart(7)}  ${k}  [${v.map((x) => x.toFixed(2)).join(', ')}]`);
}
for (const [label, m] of taskTotals) {
  console.log(`\n${label}: per host, medians over ${runs} run(s), container CPU-s per task`);
  for (const [k, v] of m) console.log(`  ${median(v).toFixed(3).padStart(7)}  ${k}`);
}
