// `node --import tsx bench/profile.ts [N] [--first]`: where a meshbook no-op re-run (or, with --first,
// the first run) spends time and round trips. One fresh fleet; a first run, then an idempotent re-run,
// one of them under --cpu-prof; prints the hottest functions (self time) and wall time per task of the
// re-run, and keeps the profile under bench/results/raw/profile.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFleet } from '../packages/fleet/src/index.ts';
import { installPythonApt } from './lib/hosts.js';
import { writeInventory } from './lib/inventory.js';
import { capture } from './lib/shell.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(repoRoot, 'bench/results/raw/profile');
const profileFirst = process.argv.includes('--first');
const hosts = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1);
const profiler = [`--cpu-prof`, `--cpu-prof-dir=${outDir}`];
await mkdir(outDir, { recursive: true });
const fleet = await startFleet({ hosts, prefix: 'bench-profile', purpose: 'test' });
try {
  await installPythonApt(fleet, join(repoRoot, 'bench/results/raw/debs'));
  const inventory = join(outDir, 'inventory.yaml');
  await writeInventory(fleet, 'meshbook', inventory);
  const meshbook = (extra: string[]) =>
    capture([process.execPath, ...extra, 'packages/cli/bin/meshbook.js', 'run', 'bench/workload/meshbook.ts', '-i', inventory, '--json', '-f', '32'], { cwd: repoRoot });
  const firstRun = await meshbook(profileFirst ? profiler : []);
  console.log('first run, slowest tasks (task.start to the next task.start, all hosts):');
  console.log(slowestTasks(firstRun.stdout, 8).join('\n'));
  const t0 = Date.now();
  const run = await meshbook(profileFirst ? [] : profiler);
  console.log(`idempotent run${profileFirst ? '' : ' under the profiler'}: ${Date.now() - t0} ms, exit ${run.exitCode}`);

  // Per task: time from task.start to the last host.result.
  const events = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; time: number; task?: string });
  const first = events[0]!.time;
  let previous = first;
  for (const e of events) {
    if (e.type === 'play.start' || e.type === 'task.start' || e.type === 'recap') {
      console.log(`${String(e.time - previous).padStart(6)} ms before ${e.type} ${e.task ?? ''}`);
      previous = e.time;
    }
  }
  console.log(`run.start at +${first - (t0)} ms after spawn; recap at +${events.find((e) => e.type === 'recap')!.time - t0} ms`);

  // Hottest functions by self time, from the newest .cpuprofile (the profiled run's).
  const profiles = (await readdir(outDir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  const profile = JSON.parse(await readFile(join(outDir, profiles.at(-1)!), 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
    samples: number[];
    timeDeltas: number[];
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^file:\/\/\/work\/main\//, '')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const pkg = url.match(/node_modules\/\.pnpm\/([^/]+)/)?.[1] ?? url.match(/packages\/([^/]+)/)?.[1] ?? (url.startsWith('node:') ? 'node internals' : url || functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  console.log('\nself time by package:\n' + top(byPackage, 15).join('\n'));
  console.log('\nself time by function:\n' + top(byFunction, 20).join('\n'));
} finally {
  await fleet.destroy();
}

/** Tasks (and handlers) by the time from their task.start to the next task.start or the recap. */
function slowestTasks(jsonLines: string, n: number): string[] {
  const starts = jsonLines
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; time: number; task?: string; handler?: boolean })
    .filter((e) => e.type === 'task.start' || e.type === 'recap');
  const spans = starts.slice(0, -1).map((e, i) => ({ name: `${e.handler ? 'handler ' : ''}${e.task}`, ms: starts[i + 1]!.time - e.time }));
  return spans.sort((a, b) => b.ms - a.ms).slice(0, n).map((s) => `${String(s.ms).padStart(6)} ms  ${s.name}`);
}
