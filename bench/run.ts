// `pnpm bench`: meshbook against Ansible (and Ansible with Mitogen) on the same systemd-in-Docker
// fleets (issues 7 and 21). For each added RTT, N, run and tool (alternating): a fresh fleet (behind
// a latency relay per host when the RTT is not 0), then the scenarios (first run, idempotent re-run,
// a re-run after drifting one task on every host); the fleet is destroyed.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFleet, type Fleet } from '../packages/fleet/src/index.ts';
import { ensureAnsible, ensureMitogen } from './lib/ansible.js';
import { startFleetRelays, type FleetRelays } from './lib/fleet-relays.js';
import { checkRelay, type RelayCheck } from './lib/relay-check.js';
import { parseArgs, type BenchTool, type Tool } from './lib/args.js';
import { driftEveryHost, installPythonApt, workloadDigest } from './lib/hosts.js';
import { machineFacts } from './lib/machine.js';
import { measurePlaybookCompile, warmPlaybookCompile, type PlaybookCompile } from './lib/playbook-compile.js';
import { writeReport } from './lib/report.js';
import type { Sample } from './lib/samples.js';
import { containerIdsOf, waitForQuietFleet } from './lib/settle.js';
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

const usesAnsible = args.tools.includes('ansible') || args.tools.includes('mitogen');
const ansibleVersion = usesAnsible ? await ensureAnsible(log) : 'not run';
const mitogenVersion = args.tools.includes('mitogen') ? await ensureMitogen(log) : undefined;
// Every relay RTT is checked by a ping-pong before any tool runs behind it.
const relayChecks: RelayCheck[] = [];
for (const rtt of args.rttsMs.filter((r) => r > 0)) {
  const check = await checkRelay(rtt);
  relayChecks.push(check);
  log(`latency relay ${rtt} ms: ping-pong median ${check.medianMs} ms (min ${check.minMs}, max ${check.maxMs}), ${check.turns} turns for ${check.rounds} pings`);
}
const samples: Sample[] = [];
// BENCH_KEEP_COMPILE_CACHE=1: another bench runs meshbook from this checkout meanwhile, and a cold
// compile measurement would empty the cache under it; the playbook is then only compiled if stale.
const keepCache = process.env.BENCH_KEEP_COMPILE_CACHE === '1';
const compile: PlaybookCompile | undefined = args.tools.includes('meshbook') && !keepCache ? await measurePlaybookCompile(repoRoot, rawDir) : undefined;
if (keepCache) await warmPlaybookCompile(repoRoot, rawDir);
if (compile) log(`meshbook playbook compile: cold ${compile.coldCpuSeconds.toFixed(2)} CPU-s, warm --syntax-check ${compile.warmCpuSeconds.toFixed(2)} CPU-s`);
const digests: Array<{ tool: Tool; hosts: number; run: number; digest: string }> = [];
const tools: BenchTool[] = args.baselineRoot ? [...args.tools, 'baseline'] : args.tools;
// The baseline's playbook compiled and cached before any timing, as this checkout's is.
if (args.baselineRoot) await warmPlaybookCompile(args.baselineRoot, rawDir);

// The last fleet's containers: the next fleet's first sample waits until they are gone.
let previousContainers: string[] = [];

async function benchOneFleet(tool: BenchTool, hosts: number, run: number, rttMs: number): Promise<void> {
  log(`${tool}: N=${hosts}${rttMs ? ` RTT ${rttMs} ms` : ''} run ${run + 1}/${args.runs}: starting a fresh fleet`);
  const fleet = await startFleet({ hosts, prefix: 'bench', purpose: 'test' });
  liveFleets.add(fleet);
  let relays: FleetRelays | undefined;
  try {
    await installPythonApt(fleet, join(resultsDir, 'raw', 'debs'));
    const dir = join(rawDir, `rtt${rttMs}-n${hosts}-run${run + 1}`);
    await mkdir(dir, { recursive: true });
    if (rttMs > 0) relays = await startFleetRelays(fleet, rttMs, join(dir, `${tool}-known_hosts`));
    const ctx = { repoRoot, fleet, dir, run, ...(relays ? { relays } : {}), ...(args.baselineRoot ? { baselineRoot: args.baselineRoot } : {}) };
    for (const scenario of args.scenarios) {
      if (scenario === 'drift') await driftEveryHost(fleet);
      // Every sample on idle hosts: the first after the previous fleet is gone, the others after what the last run left running.
      const settled = await waitForQuietFleet(fleet, previousContainers);
      previousContainers = [];
      log(
        `  settled in ${(settled.waitedMs / 1000).toFixed(1)} s (previous fleet gone after ${(settled.previousGoneAfterMs / 1000).toFixed(1)} s, ` +
          `this fleet at ${(settled.fleetCpuShare * 100).toFixed(1)}% of a CPU${settled.settled ? '' : ', NOT idle: timed out'})`,
      );
      const sample = await runTool(tool, scenario, ctx);
      samples.push(sample);
      const rt = Object.values(sample.roundTripsPerHost);
      const turns = sample.relayTurnsPerHost ? Object.values(sample.relayTurnsPerHost) : undefined;
      log(
        `  ${scenario.padEnd(10)} exit ${sample.exitCode}  wall ${sample.wallSeconds.toFixed(2)} s  cpu ${sample.cpuSeconds.toFixed(2)} s  ` +
          `rss ${sample.maxRssMb.toFixed(0)} MB  pss ${sample.peakTreePssMb.toFixed(0)} MB  round trips/host ${Math.min(...rt)}-${Math.max(...rt)}${turns ? `  relay turns/host ${Math.min(...turns)}-${Math.max(...turns)}` : ''}  changed ${sample.changedTasks}  load ${sample.loadAverage1m.toFixed(2)}`,
      );
      if (sample.exitCode !== 0) log(`  ${tool} failed: see ${ctx.dir}`);
      if (scenario === 'first' && tool !== 'baseline') {
        const { digest, listing } = await workloadDigest(fleet, fleet.hosts[0]!.name);
        digests.push({ tool, hosts, run, digest });
        await writeFile(join(ctx.dir, `${tool}-files.txt`), listing);
      }
    }
  } finally {
    previousContainers = containerIdsOf(fleet);
    await relays?.close();
    await destroyOnce(fleet);
  }
}

try {
  for (const rttMs of args.rttsMs) {
    for (const hosts of args.hostCounts) {
      for (let run = 0; run < args.runs; run++) {
        for (const tool of tools) {
          await benchOneFleet(tool, hosts, run, rttMs);
          // After every fleet: a run stopped half-way keeps what it measured.
          await writeFile(join(rawDir, 'samples.json'), JSON.stringify({ samples, digests, relayChecks }, null, 2));
        }
      }
    }
  }
} finally {
  await destroyAll();
}

const facts = { ...(await machineFacts(repoRoot, ansibleVersion)), ...(mitogenVersion ? { mitogen: mitogenVersion } : {}) };
await writeFile(join(rawDir, 'samples.json'), JSON.stringify({ facts, compile, samples, digests, relayChecks }, null, 2));
const outputs = await writeReport({ samples, digests, facts, compile, relayChecks, runs: args.runs, rawDir, dir: args.dryReport ? rawDir : resultsDir, ...(args.dryReport ? {} : { readmePath: join(repoRoot, 'bench/README.md'), projectReadmePath: join(repoRoot, 'README.md') }) });
log(`wrote ${outputs.join(', ')}`);
