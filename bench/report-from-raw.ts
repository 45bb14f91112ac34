// `node --import tsx bench/report-from-raw.ts RUN/samples.json [LATER/samples.json ...] [--dry-report] [--exclude-build=HASH]`
// re-renders results/latest.md, latest.svg and the README table from raw samples. With several
// files, the samples of one (tool, N, RTT) come from the last file that has any (e.g. the latency
// cells and the growth cells from runs of their own); machine facts come from the last file.
// --note=TEXT adds a line under the heading (why the runs were merged).
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLS } from './lib/args.js';
import { writeReport, type ReportInput } from './lib/report.js';

const args = process.argv.slice(2);
const dry = args.includes('--dry-report');
const extraNote = args.find((a) => a.startsWith('--note='))?.slice('--note='.length);
// --exclude-build=HASH: meshbook samples of that engine build are left out (a trial before an engine change).
const excludedBuilds = args.filter((a) => a.startsWith('--exclude-build=')).map((a) => a.slice('--exclude-build='.length));
const files = args.filter((a) => !a.startsWith('--'));
if (files.length === 0) throw new Error('usage: report-from-raw.ts <samples.json>... [--dry-report]');
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

type Raw = Pick<ReportInput, 'samples' | 'digests' | 'facts' | 'compile' | 'relayChecks'>;
const raws = (await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as Raw))).map((r) => ({
  ...r,
  samples: r.samples.filter((s) => s.tool !== 'meshbook' || !excludedBuilds.includes(s.engineBuild ?? '')),
}));
// A run stopped half-way has samples but no machine facts (written at its end).
const lastFacts = raws.findLast((r) => r.facts)?.facts;
if (!lastFacts) throw new Error('none of the files has machine facts (only a finished run writes them)');
const merged: Raw = { samples: [], digests: [], facts: lastFacts, compile: raws.findLast((r) => r.compile)?.compile, relayChecks: [] };
const cellKey = (s: { tool: string; hosts: number; rttMs?: number }) => `${s.tool} ${s.hosts} ${s.rttMs ?? 0}`;
const keys = new Set(raws.flatMap((r) => r.samples.map(cellKey)));
for (const key of keys) {
  const source = raws.findLast((r) => r.samples.some((s) => cellKey(s) === key))!;
  merged.samples.push(...source.samples.filter((s) => cellKey(s) === key));
}
for (const tool of TOOLS) {
  const source = raws.findLast((r) => r.digests.some((d) => d.tool === tool));
  if (source) merged.digests.push(...source.digests.filter((d) => d.tool === tool));
}
for (const rtt of new Set(raws.flatMap((r) => (r.relayChecks ?? []).map((c) => c.rttMs)))) {
  merged.relayChecks!.push(raws.flatMap((r) => r.relayChecks ?? []).findLast((c) => c.rttMs === rtt)!);
}
// The Ansible version is that of the run Ansible's samples come from.
const ansibleRaw = raws.findLast((r) => r.facts && r.samples.some((s) => s.tool === 'ansible'));
if (ansibleRaw) merged.facts = { ...merged.facts, ansible: ansibleRaw.facts.ansible };
const mitogenRaw = raws.findLast((r) => r.facts && (r.facts as { mitogen?: string }).mitogen);
if (mitogenRaw) merged.facts = { ...merged.facts, mitogen: (mitogenRaw.facts as { mitogen?: string }).mitogen } as typeof merged.facts;
const rawDir = dirname(files.at(-1)!);
const sources = TOOLS.map((tool) => ({ tool, file: files[raws.findLastIndex((r) => r.samples.some((s) => s.tool === tool))] })).filter((s) => s.file);
const note =
  new Set(sources.map((s) => s.file)).size > 1
    ? [`Merged from separate runs (not alternated with each other): ${sources.map((s) => `${s.tool} from ${relative(repoRoot, dirname(s.file!))}`).join(', ')}.`, extraNote].filter(Boolean).join(' ')
    : extraNote;
const outputs = await writeReport({
  ...merged,
  runs: Math.max(...merged.samples.map((s) => s.run)) + 1,
  rawDir,
  ...(note ? { note } : {}),
  dir: dry ? rawDir : join(repoRoot, 'bench/results'),
  ...(dry ? {} : { readmePath: join(repoRoot, 'bench/README.md'), projectReadmePath: join(repoRoot, 'README.md') }),
});
console.log(`wrote ${outputs.join(', ')}`);
