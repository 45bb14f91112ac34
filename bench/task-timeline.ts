// `node --import tsx bench/task-timeline.ts RAWDIR [--tool meshbook|baseline] [--scenario first|idempotent] [--hosts N]`:
// where a run's wall time goes, per phase and per task, from the `--json` events a bench run kept
// (RAWDIR/rtt*-n*-run*/TOOL-SCENARIO/stdout.txt), medians over its runs, one column per RTT. Per task:
// task.start to the next task.start; in brackets, the first and last host's result after task.start.
// Phases: the CLI's start and exit (the wall time less the events' span), connect and prefetch
// (play.start to the first task), tasks, handlers, recap to the last event.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { traceArgs } from './lib/trace-args.js';
import { runEvents } from './lib/run-events.js';

const rawDir = process.argv[2];
if (!rawDir || rawDir.startsWith('--')) throw new Error('usage: task-timeline.ts RAWDIR [--tool meshbook] [--scenario first] [--hosts N]');
const args = traceArgs(process.argv.slice(3));
const tool = args.option('--tool') ?? 'meshbook';
const scenario = args.option('--scenario') ?? 'first';
const hostsOption = args.option('--hosts');
const hostCount = hostsOption === undefined ? undefined : Number(hostsOption);

interface Sample {
  tool: string;
  scenario: string;
  hosts: number;
  run: number;
  rttMs: number;
  wallSeconds: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const { samples } = JSON.parse(await readFile(join(rawDir, 'samples.json'), 'utf8')) as { samples: Sample[] };
/** Per RTT: per row label, one value per run (ms). */
const table = new Map<number, Map<string, number[]>>();
const order: string[] = [];
const add = (rtt: number, label: string, ms: number) => {
  if (!order.includes(label)) order.push(label);
  const rows = table.get(rtt) ?? table.set(rtt, new Map()).get(rtt)!;
  (rows.get(label) ?? rows.set(label, []).get(label)!).push(ms);
};

const runDirs = (await readdir(rawDir)).filter((d) => /^rtt\d+-n\d+-run\d+$/.test(d)).sort();
// Medians across host counts would mix unlike runs.
const hostCounts = [...new Set(runDirs.map((d) => Number(/-n(\d+)-/.exec(d)![1])))];
if (hostCount === undefined && hostCounts.length > 1) throw new Error(`${rawDir} has runs at N = ${hostCounts.join(', ')}: pass --hosts N`);
for (const dir of runDirs) {
  const [, rtt, n, run] = /^rtt(\d+)-n(\d+)-run(\d+)$/.exec(dir)!.map(Number) as [number, number, number, number];
  if (hostCount !== undefined && n !== hostCount) continue;
  const sample = samples.find((s) => s.tool === tool && s.scenario === scenario && s.hosts === n && s.rttMs === rtt && s.run === run - 1);
  const text = await readFile(join(rawDir, dir, `${tool}-${scenario}`, 'stdout.txt'), 'utf8').catch(() => undefined);
  if (!sample || text === undefined) continue;
  const events = runEvents(text);
  const marks = events.filter((e) => e.type === 'play.start' || e.type === 'task.start' || e.type === 'recap');
  const first = events[0]!.time;
  const last = events.at(-1)!.time;
  const firstTask = marks.find((e) => e.type === 'task.start')!;
  const firstHandler = marks.find((e) => e.type === 'task.start' && e.handler);
  const recap = marks.find((e) => e.type === 'recap')!;
  const wallMs = sample.wallSeconds * 1000;
  add(rtt, '= wall', wallMs);
  add(rtt, '  CLI start and exit (wall less the events\' span)', wallMs - (last - first));
  add(rtt, '  connect and prefetch (play.start to first task)', firstTask.time - marks[0]!.time);
  add(rtt, '  tasks', (firstHandler ?? recap).time - firstTask.time);
  if (firstHandler) add(rtt, '  handlers', recap.time - firstHandler.time);
  add(rtt, '  recap to last event', last - recap.time);
  for (let i = 0; i < marks.length - 1; i++) {
    const e = marks[i]!;
    if (e.type !== 'task.start') continue;
    const done = events.filter((r) => r.type === 'host.result' && r.task === e.task && !!r.handler === !!e.handler).map((r) => r.time - e.time);
    const name = `${e.handler ? 'handler ' : ''}${e.task}`;
    add(rtt, `${name}`, marks[i + 1]!.time - e.time);
    if (done.length > 0) {
      add(rtt, `${name} :first host done`, Math.min(...done));
      add(rtt, `${name} :last host done`, Math.max(...done));
    }
  }
}

const rtts = [...table.keys()].sort((a, b) => a - b);
const cell = (rtt: number, label: string) => median(table.get(rtt)?.get(label) ?? []);
console.log(`${tool} ${scenario}, medians of ${rtts.map((r) => `${table.get(r)!.get('= wall')!.length} runs at ${r} ms`).join(', ')} (ms)`);
console.log(`| row | ${rtts.map((r) => `RTT ${r}`).join(' | ')} |${rtts.length > 1 ? ` ${rtts.at(-1)} − ${rtts[0]} | in RTTs |` : ''}`);
console.log(`|---|${rtts.map(() => '---:').join('|')}|${rtts.length > 1 ? '---:|---:|' : ''}`);
for (const label of order) {
  if (label.includes(' :')) continue;
  const values = rtts.map((r) => cell(r, label));
  const diff = rtts.length > 1 ? values.at(-1)! - values[0]! : undefined;
  const spread = (r: number) => {
    const lo = cell(r, `${label} :first host done`);
    return Number.isNaN(lo) ? '' : ` (${lo.toFixed(0)}-${cell(r, `${label} :last host done`).toFixed(0)})`;
  };
  console.log(
    `| ${label} | ${rtts.map((r, i) => `${values[i]!.toFixed(0)}${spread(r)}`).join(' | ')} |${diff !== undefined ? ` ${diff.toFixed(0)} | ${rtts.at(-1) ? (diff / rtts.at(-1)!).toFixed(1) : ''} |` : ''}`,
  );
}
