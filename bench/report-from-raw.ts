// `node --import tsx bench/report-from-raw.ts bench/results/raw/<run>/samples.json [--dry-report]`:
// re-renders results/latest.md, latest.svg and the README table from a run's raw samples.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport, type ReportInput } from './lib/report.js';

const [samplesPath, flag] = process.argv.slice(2);
if (!samplesPath) throw new Error('usage: report-from-raw.ts <samples.json> [--dry-report]');
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const raw = JSON.parse(await readFile(samplesPath, 'utf8')) as Pick<ReportInput, 'samples' | 'digests' | 'facts'>;
const rawDir = dirname(samplesPath);
const runs = Math.max(...raw.samples.map((s) => s.run)) + 1;
const dry = flag === '--dry-report';
const outputs = await writeReport({
  ...raw,
  runs,
  rawDir,
  dir: dry ? rawDir : join(repoRoot, 'bench/results'),
  ...(dry ? {} : { readmePath: join(repoRoot, 'bench/README.md') }),
});
console.log(`wrote ${outputs.join(', ')}`);
