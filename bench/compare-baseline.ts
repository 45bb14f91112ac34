// `node --import tsx bench/compare-baseline.ts RUN/samples.json`: meshbook against its `--baseline`
// build from the same alternated run, per cell (medians; max RSS is the largest process's, GNU time %M):
// what an engine change moved.
import { readFile } from 'node:fs/promises';
import type { Sample } from './lib/samples.js';
import { median } from './lib/stats.js';

const file = process.argv[2];
if (!file) throw new Error('usage: compare-baseline.ts <samples.json>');
const { samples } = JSON.parse(await readFile(file, 'utf8')) as { samples: Sample[] };
const keys = [...new Set(samples.filter((s) => s.tool === 'baseline').map((s) => `${s.rttMs ?? 0}|${s.hosts}|${s.scenario}`))];
console.log('| RTT (ms) | N | scenario | runs | wall before → after (s) | CPU before → after (s) | max RSS before → after (MB) | round trips / host before → after | load at start |');
console.log('|---:|---:|---|---:|---|---|---|---|---|');
for (const key of keys) {
  const [rtt, hosts, scenario] = key.split('|');
  const of = (tool: string) => samples.filter((s) => s.tool === tool && String(s.rttMs ?? 0) === rtt && String(s.hosts) === hosts && s.scenario === scenario);
  const [before, after] = [of('baseline'), of('meshbook')];
  const m = (rows: Sample[], f: (s: Sample) => number) => median(rows.map(f));
  const rt = (s: Sample) => Math.max(...Object.values(s.roundTripsPerHost));
  const f2 = (v: number) => v.toFixed(2);
  const loads = [...before, ...after].map((s) => s.loadAverage1m);
  console.log(
    `| ${rtt} | ${hosts} | ${scenario} | ${before.length}/${after.length} | ${f2(m(before, (s) => s.wallSeconds))} → ${f2(m(after, (s) => s.wallSeconds))} | ` +
      `${f2(m(before, (s) => s.cpuSeconds))} → ${f2(m(after, (s) => s.cpuSeconds))} | ${m(before, (s) => s.maxRssMb).toFixed(1)} → ${m(after, (s) => s.maxRssMb).toFixed(1)} | ${m(before, rt)} → ${m(after, rt)} | ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} |`,
  );
}
