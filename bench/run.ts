// `pnpm bench`: meshbook against Ansible on the same systemd-in-Docker fleets (issue 7).
// For each N, run and tool (alternating meshbook, ansible): a fresh fleet, then first run,
// idempotent re-run, and a re-run after drifting one task on every host; the fleet is destroyed.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFleet, type Fleet } from '../packages/fleet/src/index.ts';
import { ensureAnsible } from './lib/ansible.js';
import { parseArgs, type Tool } from './lib/args.js';
import { driftEveryHost, installPythonApt, workloadDigest } from './lib/hosts.js';
import { machineFacts } from './lib/machine.js';
import { measurePlaybookCompile, type PlaybookCompile } from './lib/playbook-compile.js';
import { writeReport } from './lib/report.js';
import type { Sample } from './lib/samples.js';
import { runTool } from './lib/tools.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(repoRoot, 'bench/results');
const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

const args = parseArgs(process.argv.slice(2), process.env);
const rawDir = join(resultsDir, 'raw', new Date().toISOString().replaceAll(':', '-').slice(0, 19));
await mkdir(rawDir, { recursive: true });

// Fleets are destroyed on every path out, Ctrl-C included; one destroy per fleet even when the
// signal handler and a finally block ask at the same time (concurrent destroys race in Docker).
const liveFleets = new Set<Fleet>();
const destroying = new Map<Fleet, Promise<void>>();
const destroyOnce = (fleet: Fleet) => {
  if (!destroying.has(fleet)) destroying.set(fleet, fleet.destroy().finally(() => liveFleets.delete(fleet)));
  return destroying.get(fleet)!;
};
const destroyAll = () => Promise.allSettled([...liveFleets].map(destroyOnce));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: destroying ${liveFleets.size} fleet(s)`);
    void destroyAll().then(() => process.exit(130));
  });
}

const ansibleVersion = args.tools.includes('ansible') ? await ensureAnsible(log) : 'not run';
const samples: Sample[] = [];
const compile: PlaybookCompile | undefined = args.tools.includes('meshbook') ? await measurePlaybookCompile(repoRoot, rawDir) : undefined;
if (compile) log(`meshbook playbook compile: cold ${compile.coldCpuSeconds.toFixed(2)} CPU-s, warm --syntax-check ${compile.warmCpuSeconds.toFixed(2)} CPU-s`);
const digests: Array<{ tool: Tool; hosts: number; run: number; digest: string }> = [];

async function benchOneFleet(tool: Tool, hosts: number, run: number): Promise<void> {
  log(`${tool}: N=${hosts} run ${run + 1}/${args.runs}: starting a fresh fleet`);
  const fleet = await startFleet({ hosts, prefix: 'bench', purpose: 'test' });
  liveFleets.add(fleet);
  try {
    await installPythonApt(fleet, join(resultsDir, 'raw', 'debs'));
    const ctx = { repoRoot, fleet, dir: join(rawDir, `n${hosts}-run${run + 1}`), run };
    for (const scenario of ['first', 'idempotent', 'drift'] as const) {
      if (scenario === 'drift') await driftEveryHost(fleet);
      const sample = await runTool(tool, scenario, ctx);
      samples.push(sample);
      const rt = Object.values(sample.roundTripsPerHost);
      log(
        `  ${scenario.padEnd(10)} exit ${sample.exitCode}  wall ${sample.wallSeconds.toFixed(2)} s  cpu ${sample.cpuSeconds.toFixed(2)} s  ` +
          `rss ${sample.maxRssMb.toFixed(0)} MB  pss ${sample.peakTreePssMb.toFixed(0)} MB  round trips/host ${Math.min(...rt)}-${Math.max(...rt)}  changed ${sample.changedTasks}`,
      );
      if (sample.exitCode !== 0) log(`  ${tool} failed: see ${ctx.dir}`);
      if (scenario === 'first') {
        const { digest, listing } = await workloadDigest(fleet, fleet.hosts[0]!.name);
        digests.push({ tool, hosts, run, digest });
        await writeFile(join(ctx.dir, `${tool}-files.txt`), listing);
      }
    }
  } finally {
    await destroyOnce(fleet);
  }
}

try {
  for (const hosts of args.hostCounts) {
    for (let run = 0; run < args.runs; run++) {
      for (const tool of args.tools) await benchOneFleet(tool, hosts, run);
      await writeFile(join(rawDir, 'samples.json'), JSON.stringify({ samples, digests }, null, 2));
    }
  }
} finally {
  await destroyAll();
}

const facts = await machineFacts(repoRoot, ansibleVersion);
await writeFile(join(rawDir, 'samples.json'), JSON.stringify({ facts, compile, samples, digests }, null, 2));
const outputs = await writeReport({ samples, digests, facts, compile, runs: args.runs, rawDir, dir: args.dryReport ? rawDir : resultsDir, ...(args.dryReport ? {} : { readmePath: join(repoRoot, 'bench/README.md'), projectReadmePath: join(repoRoot, 'README.md') }) });
log(`wrote ${outputs.join(', ')}`);
