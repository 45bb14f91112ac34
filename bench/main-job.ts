// `node --import tsx bench/main-job.ts [--seed 000|004]`: a seed's main job timed on its lab (issue 21).
// A copy of the seed's lab inventory with its own ports and subnets (a developer's lab is left alone)
// is brought up with `meshbook lab up`; then the seed's playbook runs on the bare hosts (first run)
// and again (no-op re-run), each with --json; the time per task comes from the run's events. Writes
// bench/results/main-job.md (seed 000) or main-job-004.md (and the raw event streams under
// bench/results/raw/main-job-*, with the commit measured), and brings the lab down whatever happens. `--from-raw DIR`
// re-renders the report from a run's raw dir. Run it without an outer `timeout`: that signals the
// whole process group, meshbook included.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capture } from './lib/shell.js';
import { runEvents } from './lib/run-events.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repoRoot, 'packages/cli/bin/meshbook.js');

/** A seed's main job: its playbook, its lab inventory made private (own ports, subnets, paths), its report. */
interface Seed {
  id: '000' | '004';
  playbook: string;
  report: string;
  privateInventory(lab: string, inventoryDir: string): string;
}

const SEEDS: Record<Seed['id'], Seed> = {
  '000': {
    id: '000',
    playbook: 'playbooks/clustermesh.ts',
    report: 'bench/results/main-job.md',
    privateInventory(lab) {
      const octet = 100 + Math.floor(Math.random() * 100);
      const portBase = 24000 + Math.floor(Math.random() * 400) * 10;
      return lab
        .replace(/\b222(\d\d)\b/g, (_m, n: string) => String(portBase + Number(n)))
        .replaceAll('10.148.10.', `10.148.${octet}.`)
        .replaceAll('10.120.31.', `10.120.${octet}.`)
        .replaceAll('198.18.0.', `198.18.${octet}.`)
        .replaceAll('../../.lab/', './.lab/');
    },
  },
  '004': {
    id: '004',
    playbook: 'playbooks/rke-clustermesh.ts',
    report: 'bench/results/main-job-004.md',
    privateInventory(lab, inventoryDir) {
      const octet = 100 + Math.floor(Math.random() * 100);
      const portBase = 27000 + Math.floor(Math.random() * 300) * 10;
      return lab
        .replace(/\b2230(\d)\b/g, (_m, n: string) => String(portBase + Number(n)))
        .replaceAll('10.197.1.', `10.193.${octet}.`)
        .replaceAll('10.197.2.', `10.192.${octet}.`)
        .replaceAll('../../.lab/rke/', './.lab/')
        .replaceAll('../../packages/', `${repoRoot}/packages/`)
        .replaceAll('rke_cluster_dir: clusters/', `rke_cluster_dir: ${inventoryDir}/clusters/`);
    },
  },
};

function seedFromArgs(argv: readonly string[]): Seed {
  const at = argv.indexOf('--seed');
  const id = at >= 0 ? argv[at + 1] : '000';
  if (id !== '000' && id !== '004') throw new Error(`--seed: "${id}" is not a seed with a lab (000 or 004)`);
  return SEEDS[id];
}

const seed = seedFromArgs(process.argv);
const labInventory = seed.id === '000' ? 'inventories/lab/hosts.yaml' : 'inventories/lab-rke/hosts.yaml';
const rawDir = join(repoRoot, 'bench/results/raw', `main-job-${seed.id}-${new Date().toISOString().replaceAll(':', '-').slice(0, 19)}`);
const log = (line: string) => console.error(`[main-job ${new Date().toISOString().slice(11, 19)}] ${line}`);

interface RunTiming {
  label: string;
  /** run.end's outcome (ok, failed, interrupted), or 'no run.end'. */
  outcome: string;
  exitCode: number;
  wallSeconds: number;
  cpuSeconds: number;
  loadAverage1m: number;
  changed: number;
  failed: number;
  roundTripsMax: number;
  /** Task (or handler) → ms from its task.start to the next task.start / play.end, over the run; each play's start to its first task as a row of its own. */
  tasks: Array<{ play: string; task: string; ms: number }>;
}

/** Runs the bin under GNU time, stdout to a file; returns exit code, wall and CPU. */
async function timed(args: string[], stdoutPath: string): Promise<{ exitCode: number; wallSeconds: number; cpuSeconds: number }> {
  const timeFile = `${stdoutPath}.time`;
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, process.execPath, bin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  await writeFile(stdoutPath, Buffer.concat(out));
  await writeFile(`${stdoutPath}.stderr`, Buffer.concat(err));
  // GNU time adds a "Command exited with non-zero status" line first; killed, it writes nothing.
  const numbers = (await readFile(timeFile, 'utf8').catch(() => '')).split('\n').find((l) => /^\d/.test(l));
  const [user, sys] = numbers ? numbers.split(' ').map(Number) : [Number.NaN, Number.NaN];
  return { exitCode, wallSeconds, cpuSeconds: user! + sys! };
}

function timingOf(label: string, jsonLines: string, measured: { exitCode: number; wallSeconds: number; cpuSeconds: number }, loadAverage1m: number): RunTiming {
  const events = runEvents(jsonLines);
  const marks = events.filter((e) => e.type === 'task.start' || e.type === 'play.end' || e.type === 'play.start');
  const tasks: RunTiming['tasks'] = [];
  marks.forEach((e, i) => {
    const next = marks[i + 1] ?? events.at(-1)!;
    // Before a play's first task: its hosts' connections and the facts prefetched for its tasks.
    if (e.type === 'play.start' && next.type === 'task.start') tasks.push({ play: e.play ?? '', task: '(play start: connect, facts prefetched)', ms: next.time - e.time });
    if (e.type !== 'task.start') return;
    tasks.push({ play: e.play ?? '', task: `${e.handler ? 'handler: ' : ''}${e.task}`, ms: next.time - e.time });
  });
  const recap = events.find((e) => e.type === 'recap');
  const outcome = (events.find((e) => e.type === 'run.end') as { outcome?: string } | undefined)?.outcome ?? 'no run.end';
  const hosts = Object.values(recap?.hosts ?? {});
  return {
    label,
    outcome,
    ...measured,
    loadAverage1m,
    changed: hosts.reduce((n, h) => n + h.changed, 0),
    failed: hosts.reduce((n, h) => n + h.failed + h.unreachable, 0),
    roundTripsMax: Math.max(0, ...hosts.map((h) => h.roundTrips)),
    tasks,
  };
}

/** The commit the runs measure, written beside their raw data when they start: --from-raw reports it, not a later HEAD. */
const COMMIT_FILE = 'commit.txt';

async function headCommit(): Promise<string> {
  const commit = (await capture(['git', 'rev-parse', '--short', 'HEAD'], { cwd: repoRoot })).stdout.trim();
  const changed = (await capture(['git', 'status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot })).stdout.trim();
  return changed ? `${commit} with uncommitted changes` : commit;
}

/** The commit recorded with a raw dir; raw dirs written before it was recorded say so rather than guess. */
async function recordedCommit(dir: string): Promise<string> {
  const recorded = await readFile(join(dir, COMMIT_FILE), 'utf8').catch(() => undefined);
  return recorded?.trim() || 'not recorded with the raw data';
}

async function main(): Promise<void> {
  await mkdir(rawDir, { recursive: true });
  const commit = await headCommit();
  await writeFile(join(rawDir, COMMIT_FILE), `${commit}\n`);
  const inventoryDir = await mkdtemp(join(tmpdir(), 'meshbook-main-job-'));
  const lab = await readFile(join(repoRoot, labInventory), 'utf8');
  await writeFile(join(inventoryDir, 'hosts.yaml'), seed.privateInventory(lab, inventoryDir));
  const runs: RunTiming[] = [];
  let labUp = false;
  const down = async () => {
    if (!labUp) return;
    labUp = false;
    log('lab down');
    await capture([process.execPath, bin, 'lab', 'down', '-i', inventoryDir], { cwd: repoRoot });
    await rm(inventoryDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void down().then(() => process.exit(130)));
  try {
    log('lab up');
    labUp = true;
    const up = await capture([process.execPath, bin, 'lab', 'up', '-i', inventoryDir], { cwd: repoRoot });
    if (up.exitCode !== 0) throw new Error(`lab up failed: ${up.stderr}`);
    for (const label of ['first run', 'no-op re-run'] as const) {
      const loadAverage1m = loadavg()[0]!;
      log(`${label}: starting (load ${loadAverage1m.toFixed(2)})`);
      const stdoutPath = join(rawDir, `${label.replace(/\W+/g, '-')}.jsonl`);
      const measured = await timed(['run', seed.playbook, '-i', inventoryDir, '--json'], stdoutPath);
      const timing = timingOf(label, await readFile(stdoutPath, 'utf8'), measured, loadAverage1m);
      runs.push(timing);
      log(`${label}: exit ${timing.exitCode}, wall ${timing.wallSeconds.toFixed(1)} s, CPU ${timing.cpuSeconds.toFixed(2)} s, changed ${timing.changed}, round trips (busiest host) ${timing.roundTripsMax}`);
      if (timing.exitCode !== 0) break;
    }
  } finally {
    await down();
  }
  await writeFile(join(rawDir, 'timings.json'), JSON.stringify(runs, null, 2));
  await writeFile(join(repoRoot, seed.report), report(runs, commit));
  log(`wrote ${seed.report} (raw: ${rawDir})`);
}

function report(runs: RunTiming[], commit: string, note?: string): string {
  const lines = [
    `# Seed ${seed.id}'s main job on its lab: \`${seed.playbook}\``,
    '',
    `Generated by \`node --import tsx bench/main-job.ts\` on ${new Date().toISOString()} (commit ${commit}). One first run on bare lab hosts and one`,
    `no-op re-run: single samples, ${runs.some((r) => r.loadAverage1m > 2) ? "**on a loaded machine** (2 cores shared with other engineers' work)" : 'on a quiet machine'}; load average at each start below.`,
    'Kubernetes, Cilium and the internet are the lab\'s doubles and stand-ins (README, "The main job"); apt, containerd, WireGuard and SSH are real.',
    '',
    ...(note ? [`> ${note}`, ''] : []),
    '| run | outcome (exit) | wall (s) | CPU (s) | changed (sum over hosts) | round trips (busiest host) | load average at start |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...runs.map((r) => `| ${r.label} | ${r.outcome} (${r.exitCode}) | ${r.wallSeconds.toFixed(1)} | ${Number.isNaN(r.cpuSeconds) ? '–' : r.cpuSeconds.toFixed(2)} | ${r.changed} | ${r.roundTripsMax} | ${r.loadAverage1m.toFixed(2)} |`),
    '',
  ];
  for (const r of runs) {
    const slowest = [...r.tasks].sort((a, b) => b.ms - a.ms).slice(0, 15);
    const total = r.tasks.reduce((n, t) => n + t.ms, 0);
    lines.push(`## ${r.label}: the 15 slowest of ${r.tasks.length} steps (a task: task.start to the next, all hosts of the play; a play's start: to its first task; ${(total / 1000).toFixed(1)} s in tasks)`, '');
    lines.push('| task | play | s | share |', '|---|---|---:|---:|');
    for (const t of slowest) lines.push(`| ${t.task} | ${t.play} | ${(t.ms / 1000).toFixed(2)} | ${((t.ms / Math.max(1, total)) * 100).toFixed(0)}% |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

const fromRaw = process.argv.indexOf('--from-raw');
if (fromRaw >= 0) {
  // Re-render from a run's raw dir: its timings.json, with outcomes read again from the event streams.
  const dir = process.argv[fromRaw + 1]!;
  const saved = JSON.parse(await readFile(join(dir, 'timings.json'), 'utf8')) as RunTiming[];
  const runs = await Promise.all(
    saved.map(async (r) => {
      const jsonl = await readFile(join(dir, `${r.label.replace(/\W+/g, '-')}.jsonl`), 'utf8');
      return { ...timingOf(r.label, jsonl, r, r.loadAverage1m), cpuSeconds: r.cpuSeconds ?? Number.NaN };
    }),
  );
  const note = process.argv.find((a) => a.startsWith('--note='))?.slice('--note='.length);
  await writeFile(join(repoRoot, seed.report), report(runs, await recordedCommit(dir), note));
} else {
  await main();
}
