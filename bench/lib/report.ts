import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { SCENARIOS, type Scenario, type Tool } from './args.js';
import { renderChart } from './chart.js';
import type { MachineFacts } from './machine.js';
import type { PlaybookCompile } from './playbook-compile.js';
import type { Sample } from './samples.js';
import { cellOf, type Cell } from './cells.js';
import type { RelayCheck } from './relay-check.js';
import { median } from './stats.js';

export interface ReportInput {
  samples: Sample[];
  digests: Array<{ tool: Tool; hosts: number; run: number; digest: string }>;
  facts: MachineFacts;
  runs: number;
  rawDir: string;
  /** Where latest.md / latest.svg go. */
  dir: string;
  /** What compiling the TypeScript playbook costs once per edit (measured runs start with it cached). */
  compile?: PlaybookCompile | undefined;
  /** The latency relay's ping-pong checks, one per RTT used. */
  relayChecks?: RelayCheck[] | undefined;
  /** Said under the heading, e.g. when the tools' samples come from different raw runs. */
  note?: string;
  /** bench/README.md, whose latest-results section gets the table (absent on a dry report). */
  readmePath?: string;
  /** The project README, whose Speed section gets the table and the targets (absent on a dry report). */
  projectReadmePath?: string;
}

const f1 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '–' : `**${(a / b).toFixed(1)}x**`);

const byName = { meshbook: 'meshbook', ansible: 'Ansible', mitogen: 'Mitogen' } as const;
const fail = (c: Cell | undefined) => (c && c.failures > 0 ? ` (${c.failures} failed)` : '');
const scenariosOf = (samples: readonly Sample[], rttMs: number) => SCENARIOS.filter((s) => samples.some((x) => x.scenario === s && (x.rttMs ?? 0) === rttMs));

/** Loopback (no relay): every tool side by side, ratios against meshbook. */
function table(samples: readonly Sample[], hostCounts: number[]): string[] {
  const loopback = samples.filter((x) => (x.rttMs ?? 0) === 0);
  if (loopback.length === 0) return ['No loopback cells in this run.'];
  const lines = [
    '| N | scenario | wall meshbook (s) | wall Ansible (s) | wall Mitogen (s) | Ansible / meshbook | Mitogen / meshbook | CPU meshbook (s) | CPU Ansible (s) | CPU Mitogen (s) | Ansible / meshbook | Mitogen / meshbook | mem meshbook (MB) | mem Ansible (MB) | mem Mitogen (MB) | round trips / host meshbook | SSH sessions / host Ansible / Mitogen | changed m / a / mi |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const n of hostCounts) {
    for (const scenario of scenariosOf(loopback, 0)) {
      const m = cellOf(loopback, 'meshbook', n, scenario);
      const a = cellOf(loopback, 'ansible', n, scenario);
      const g = cellOf(loopback, 'mitogen', n, scenario);
      if (!m && !a && !g) continue;
      lines.push(
        `| ${n} | ${scenario} | ${f1(m?.wall)}${fail(m)} | ${f1(a?.wall)}${fail(a)} | ${f1(g?.wall)}${fail(g)} | ${ratio(a?.wall, m?.wall)} | ${ratio(g?.wall, m?.wall)} | ` +
          `${f1(m?.cpu)} | ${f1(a?.cpu)} | ${f1(g?.cpu)} | ${ratio(a?.cpu, m?.cpu)} | ${ratio(g?.cpu, m?.cpu)} | ` +
          `${f1(m?.maxRss)} / ${f1(m?.treePss)} | ${f1(a?.maxRss)} / ${f1(a?.treePss)} | ${f1(g?.maxRss)} / ${f1(g?.treePss)} | ${m?.roundTrips ?? '–'} | ${a?.roundTrips ?? '–'} / ${g?.roundTrips ?? '–'} | ` +
          `${m?.changed ?? '–'} / ${a?.changed ?? '–'} / ${g?.changed ?? '–'} |`,
      );
    }
  }
  return lines;
}

/** Cells behind the latency relay: wall, CPU and the relay's turn count per tool. */
function latencyTable(samples: readonly Sample[]): string[] {
  const rtts = [...new Set(samples.map((x) => x.rttMs ?? 0))].filter((r) => r > 0).sort((a, b) => a - b);
  if (rtts.length === 0) return ['No cells with an added RTT in this run.'];
  const lines = [
    '| RTT (ms) | N | scenario | wall meshbook (s) | wall Ansible (s) | wall Mitogen (s) | Ansible / meshbook | Mitogen / meshbook | CPU meshbook (s) | CPU Ansible (s) | CPU Mitogen (s) | relay turns / host m / a / mi | meshbook round trips / host (own count) | changed m / a / mi |',
    '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const rtt of rtts) {
    const hostCounts = [...new Set(samples.filter((x) => x.rttMs === rtt).map((x) => x.hosts))].sort((a, b) => a - b);
    for (const n of hostCounts) {
      for (const scenario of scenariosOf(samples, rtt)) {
        const [m, a, g] = (['meshbook', 'ansible', 'mitogen'] as const).map((t) => cellOf(samples, t, n, scenario, rtt));
        if (!m && !a && !g) continue;
        lines.push(
          `| ${rtt} | ${n} | ${scenario} | ${f1(m?.wall)}${fail(m)} | ${f1(a?.wall)}${fail(a)} | ${f1(g?.wall)}${fail(g)} | ${ratio(a?.wall, m?.wall)} | ${ratio(g?.wall, m?.wall)} | ` +
            `${f1(m?.cpu)} | ${f1(a?.cpu)} | ${f1(g?.cpu)} | ${m?.relayTurns ?? '–'} / ${a?.relayTurns ?? '–'} / ${g?.relayTurns ?? '–'} | ${m?.roundTrips ?? '–'} | ` +
            `${m?.changed ?? '–'} / ${a?.changed ?? '–'} / ${g?.changed ?? '–'} |`,
        );
      }
    }
  }
  return lines;
}

/** meshbook on loopback as N grows: wall and CPU, and what each host added since the previous N. */
function growthTable(samples: readonly Sample[]): string[] {
  const loopback = samples.filter((x) => x.tool === 'meshbook' && (x.rttMs ?? 0) === 0);
  const hostCounts = [...new Set(loopback.map((x) => x.hosts))].sort((a, b) => a - b);
  if (hostCounts.length < 2) return ['Fewer than two host counts measured for meshbook on loopback.'];
  const lines = [
    '| N | scenario | wall (s) | CPU (s) | wall per added host (ms) | CPU per added host (ms) | peak memory (MB, max of RSS and tree PSS) |',
    '|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const scenario of scenariosOf(loopback, 0).filter((s) => s !== 'drift')) {
    hostCounts.forEach((n, i) => {
      const c = cellOf(loopback, 'meshbook', n, scenario);
      if (!c) return;
      const prev = i > 0 ? cellOf(loopback, 'meshbook', hostCounts[i - 1]!, scenario) : undefined;
      const per = (a: number, b: number | undefined) => (b === undefined ? '–' : (((a - b) / (n - hostCounts[i - 1]!)) * 1000).toFixed(0));
      const peak = Math.max(...loopback.filter((x) => x.hosts === n && x.scenario === scenario).map((x) => Math.max(x.maxRssMb, x.peakTreePssMb)));
      lines.push(`| ${n} | ${scenario} | ${f1(c.wall)} | ${f1(c.cpu)} | ${per(c.wall, prev?.wall)} | ${per(c.cpu, prev?.cpu)} | ${peak.toFixed(0)} |`);
    });
  }
  return lines;
}

/** margin: how far the measure is past the target, as a share of the target (negative: short of it). */
type Verdict = { target: string; measured: string; met: boolean | undefined; margin: number | undefined };

function targets(samples: readonly Sample[]): Verdict[] {
  const cell = (t: Tool, n: number, s: Scenario, rtt = 0) => cellOf(samples, t, n, s, rtt);
  const wallRatio = (n: number, s: Scenario, rtt = 0) => {
    const m = cell('meshbook', n, s, rtt);
    const a = cell('ansible', n, s, rtt);
    return m && a ? a.wall / m.wall : undefined;
  };
  const cpuRatios = samples
    .filter((x) => x.tool === 'meshbook')
    .map((x) => [x.hosts, x.scenario, x.rttMs ?? 0] as const)
    .map(([n, s, rtt]) => ({ n, s, rtt, r: (cell('ansible', n, s, rtt)?.cpu ?? NaN) / (cell('meshbook', n, s, rtt)?.cpu ?? NaN) }))
    .filter((x) => !Number.isNaN(x.r));
  const worstCpu = cpuRatios.sort((a, b) => a.r - b.r)[0];
  const mesh32 = samples.filter((x) => x.tool === 'meshbook' && x.hosts === 32);
  const peak32 = mesh32.length ? Math.max(...mesh32.map((x) => Math.max(x.maxRssMb, x.peakTreePssMb))) : undefined;
  const noop50 = samples.filter((x) => x.tool === 'meshbook' && x.scenario === 'idempotent' && x.hosts === 16 && x.rttMs === 50);
  const noopRt50 = noop50.length ? Math.max(...noop50.flatMap((x) => Object.values(x.roundTripsPerHost))) : undefined;
  // Every target is a bound: at most (≤) or at least (≥) `limit`.
  const v = (target: string, value: number | undefined, bound: 'atMost' | 'atLeast', limit: number, show: (x: number) => string): Verdict => ({
    target,
    measured: value === undefined ? 'not measured' : show(value),
    met: value === undefined ? undefined : bound === 'atMost' ? value <= limit : value >= limit,
    margin: value === undefined ? undefined : (bound === 'atMost' ? limit - value : value - limit) / limit,
  });
  const x = (r: number) => `${r.toFixed(1)}x`;
  const s = (w: number) => `${w.toFixed(2)} s`;
  return [
    v('no-op re-run at 16 hosts on loopback ≤ 1.5 s wall', cell('meshbook', 16, 'idempotent')?.wall, 'atMost', 1.5, s),
    v('no-op re-run at 16 hosts ≥ 40x Ansible', wallRatio(16, 'idempotent'), 'atLeast', 40, x),
    v('first run at 16 hosts ≥ 15x Ansible', wallRatio(16, 'first'), 'atLeast', 15, x),
    v('50 ms RTT: no-op re-run at 16 hosts ≤ 3 round trips per host per play (1 play)', noopRt50, 'atMost', 3, (r) => `${r} (worst host, meshbook's own count)`),
    v('50 ms RTT: no-op re-run at 16 hosts ≥ 50x Ansible', wallRatio(16, 'idempotent', 50), 'atLeast', 50, x),
    v('50 ms RTT: first run at 16 hosts ≥ 20x Ansible', wallRatio(16, 'first', 50), 'atLeast', 20, x),
    v('1 host: no-op re-run ≥ 15x Ansible', wallRatio(1, 'idempotent'), 'atLeast', 15, x),
    v('controller CPU ≥ 15x lower than Ansible in every cell', worstCpu?.r, 'atLeast', 15, (r) => `${x(r)} at worst (N=${worstCpu!.n}, ${worstCpu!.s}${worstCpu!.rtt ? `, ${worstCpu!.rtt} ms RTT` : ''})`),
    v('peak controller memory < 150 MB at 32 hosts', peak32, 'atMost', 150, (m) => `${m.toFixed(0)} MB (worst sample, max of RSS and tree PSS)`),
  ];
}

/** "3", or "1-2" when cells differ in their number of samples. */
function runsPerCell(samples: readonly Sample[]): string {
  const counts = new Map<string, number>();
  for (const x of samples) {
    if (x.tool === 'baseline') continue;
    const key = `${x.tool} ${x.hosts} ${x.scenario} ${x.rttMs ?? 0}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const values = [...counts.values()];
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/** The engine builds of the meshbook samples, with counts: more than one means mixed medians. */
function buildsOf(samples: readonly Sample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples.filter((x) => x.tool === 'meshbook')) counts.set(s.engineBuild ?? 'unrecorded', (counts.get(s.engineBuild ?? 'unrecorded') ?? 0) + 1);
  const list = [...counts].map(([b, n]) => `${b} (${n} samples)`).join(', ');
  return counts.size > 1 ? `${list} — **mixed**` : list || 'none';
}

export async function writeReport(input: ReportInput): Promise<string[]> {
  const { samples, facts } = input;
  const hostCounts = [...new Set(samples.map((s) => s.hosts))].sort((a, b) => a - b);
  const loads = samples.map((s) => s.loadAverage1m);
  // A failed first run leaves the hosts as they were: its digest says nothing about the tool's result.
  const firstFailed = (d: { tool: Tool; hosts: number; run: number }) =>
    samples.some((x) => x.tool === d.tool && x.hosts === d.hosts && x.run === d.run && x.scenario === 'first' && x.exitCode !== 0);
  const digestsByTool = (tool: Tool) => [...new Set(input.digests.filter((d) => d.tool === tool && !firstFailed(d)).map((d) => d.digest))];
  const same = digestsByTool('meshbook').join() === digestsByTool('ansible').join() && (digestsByTool('mitogen').length === 0 || digestsByTool('mitogen').join() === digestsByTool('meshbook').join());
  const loadRange = (rows: readonly Sample[]) => (rows.length ? `${Math.min(...rows.map((r) => r.loadAverage1m)).toFixed(1)}-${Math.max(...rows.map((r) => r.loadAverage1m)).toFixed(1)}` : '–');
  const md = [
    '# meshbook vs Ansible (and Ansible with Mitogen): node preparation benchmark',
    '',
    `Generated by \`pnpm bench\` on ${facts.date} (commit ${facts.gitCommit}${facts.uncommittedEngineFiles ? ` + ${facts.uncommittedEngineFiles} uncommitted engine/modules files` : ''}); ` +
      `${runsPerCell(samples)} run(s) per cell, medians shown. meshbook build(s) measured: ${buildsOf(samples)}.`,
    ...(input.note ? ['', `> ${input.note}`] : []),
    '',
    `> **Taken on a loaded machine**: 2 cores shared with other engineers' Docker test runs; 1-minute load average at sample start ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}` +
      ` (per sample in the raw samples.json). Absolute times carry that noise; tools alternate run by run, so ratios are from like conditions.`,
    '',
    '## On loopback',
    '',
    ...table(samples, hostCounts),
    '',
    '![wall time](latest.svg)',
    '',
    '## With a round-trip time added (latency relay)',
    '',
    ...latencyTable(samples),
    '',
    `Load average at sample start in these cells: ${loadRange(samples.filter((x) => (x.rttMs ?? 0) > 0))}.`,
    ...(input.relayChecks?.length
      ? ['', `Relay self-test (one-byte ping-pong over the relay, 10 rounds): ${input.relayChecks.map((c) => `${c.rttMs} ms asked → median ${c.medianMs} ms (min ${c.minMs}, max ${c.maxMs}), ${c.turns} turns counted for ${c.rounds} pings`).join('; ')}.`]
      : []),
    '',
    '## Growth (meshbook, loopback)',
    '',
    ...growthTable(samples),
    '',
    '## Targets (issue 21)',
    '',
    ...targetsTable(samples),
    ...targetCaveat(samples),
    '',
    '## How it was measured',
    '',
    '- Workload: `bench/workload/meshbook.ts` and `bench/workload/ansible.yaml`, seed 000 node preparation (modules-load file, 3 sysctls persisted,',
    '  4 /etc/hosts lines, packages present, containerd config with SystemdCgroup = true and a restart handler, directories, kubeadm config',
    '  template, WireGuard config 0600, fstab lines, bashrc line, read-only commands, marker file): 23 meshbook tasks, 25 Ansible tasks',
    '  (ansible-core has no sysctl/modprobe module: each is a file task plus a check-and-set shell task).',
    `- Equivalence: after each first run the managed files (content, mode), directories, containerd state and sysctls are digested on one host: ` +
      `meshbook ${digestsByTool('meshbook').join(', ') || '–'}, Ansible ${digestsByTool('ansible').join(', ') || '–'} → ${same ? '**identical**' : '**DIFFERENT** (see raw *-files.txt)'}.`,
    '- Fleets: `startFleet` (systemd-in-Docker, Debian bookworm, sshd on 127.0.0.1). **A fresh fleet per tool per run**: first run on',
    '  pristine hosts, then the idempotent re-run, then the drift re-run (the marker file removed on every host with `docker exec`).',
    '  Each sample waits until the fleet\'s containers are idle (together ≤ 5% of a CPU over two 0.5 s windows, at most 60 s), a fleet\'s',
    '  first sample also until the previous fleet\'s containers are gone (their cgroups removed): this changes when samples are taken, not what is measured.',
    '  Tools alternate: meshbook, Ansible, meshbook, Ansible… python3-apt (needed by Ansible\'s apt module) is installed on every host of',
    '  both tools before timing, from .debs downloaded once.',
    `- meshbook: \`node packages/cli/bin/meshbook.js run bench/workload/meshbook.ts -i INV --json -f 32\` (the bin \`npx meshbook\` runs),`,
    '  host keys checked strictly against the fleet\'s known_hosts.',
    ...(input.compile
      ? [
          `- meshbook compiles a TypeScript playbook once per edit and caches it (node_modules/.cache/meshbook, like Python's __pycache__); runs start with`,
          `  it cached. The first run after an edit adds the compile: \`--syntax-check\` cold ${input.compile.coldCpuSeconds.toFixed(2)} CPU-s (${input.compile.coldWallSeconds.toFixed(2)} s wall), warm ${input.compile.warmCpuSeconds.toFixed(2)} CPU-s.`,
        ]
      : []),
    `- Mitogen: ${(facts as MachineFacts & { mitogen?: string }).mitogen ?? 'not run'} (Debian's package) with \`strategy = mitogen_linear\`, otherwise the same ansible.cfg as Ansible's.`,
    '- Latency: a TCP relay per host on 127.0.0.1 in front of its SSH port (`bench/lib/latency-relay.ts`) holds every chunk for half the RTT in',
    '  each direction, order kept (the kernel has no netem). Unlike a real link: no loss, no jitter, no bandwidth limit or congestion window,',
    '  and TCP\'s own handshake and ACKs are not delayed, only payload. The relay counts *turns* per host: a chunk towards the host after a',
    '  reply from it, i.e. the round trips the network sees, SSH handshake included, for every tool alike. The relay runs in the harness process.',
    `- Ansible: ${facts.ansible}, Debian's package; pipelining on, forks 32, host_key_checking off, interpreter given (no discovery),`,
    '  `gather_facts: false`, default ssh_args (ControlMaster auto, ControlPersist 60s) with a ControlPath dir private to each run',
    '  (no run reuses the previous run\'s masters).',
    '- Wall: from spawn to exit. CPU: user+sys from GNU `/usr/bin/time` (the tool and every child it waited for) plus, for Ansible, the',
    '  detached ControlPersist ssh masters\' CPU read from /proc before they are ended.',
    '- Memory "RSS / PSS": GNU time\'s max RSS of the largest single process / the peak of the summed PSS of the whole process tree',
    '  (ssh masters included), sampled every 500 ms. meshbook is one process; Ansible forks a worker per host plus ssh clients.',
    '- Round trips: meshbook\'s own count (`roundTrips` per host in the `--json` recap: request→reply exchanges on its SSH connection).',
    '  Ansible: SSH sessions, counted by wrappers set as its ssh/sftp/scp executables (one line per client started, attributed by port);',
    '  each session costs at least one round trip (more at the protocol level), so it is a lower bound. Shown: the busiest host.',
    `- Machine: ${facts.cores} cores (${facts.cpuModel}), ${facts.memoryGb} GB, kernel ${facts.kernel}, Node ${facts.node}. **Shared** with other`,
    `  engineers' test runs: 1-minute load average at sample start ranged ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}` +
      ` (${facts.loadAverageAtEnd.join(' / ')} at the end), so absolute times carry noise${input.note ? '' : '; ratios are from the same conditions'}.`,
    `- The harness's own CPU while a tool ran (the memory sampler): median ${(median(samples.map((x) => (x.harnessCpuSeconds ?? 0) / x.wallSeconds)) * 100).toFixed(1)}% of one core.`,
    `- Raw data (per-sample output, inventories, Ansible session logs): \`${relative(input.dir, input.rawDir)}\` (not committed).`,
    '',
  ].join('\n');
  const mdPath = join(input.dir, 'latest.md');
  const svgPath = join(input.dir, 'latest.svg');
  await writeFile(mdPath, md);
  await writeFile(svgPath, renderChart(samples, hostCounts));
  if (input.readmePath) {
    await updateReadme(input.readmePath, [...table(samples, hostCounts), '', ...latencyTable(samples), '', ...growthTable(samples), '', `Targets, method and machine: [results/latest.md](results/latest.md).`].join('\n'));
    const written = [mdPath, svgPath, input.readmePath];
    if (input.projectReadmePath) {
      await updateReadme(
        input.projectReadmePath,
        [...table(samples, hostCounts), '', 'With 20 and 50 ms of round-trip time added by a relay in front of each host:', '', ...latencyTable(samples), '', `Issue 21's targets, honestly (medians; 1-minute load average at the samples' start ${loadRange(samples)} on 2 cores):`, '', ...targetsTable(samples), ...targetCaveat(samples)].join('\n'),
      );
      written.push(input.projectReadmePath);
    }
    return written;
  }
  return [mdPath, svgPath];
}

function loadRange(samples: readonly Sample[]): string {
  const loads = samples.map((x) => x.loadAverage1m);
  return `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`;
}

/** On a loaded machine a "yes" is weak evidence: said under the table. */
function targetCaveat(samples: readonly Sample[]): string[] {
  const maxLoad = Math.max(...samples.map((x) => x.loadAverage1m));
  if (maxLoad <= 10) return [];
  return [
    '',
    `A "yes" above comes from these samples only (often one per cell, load average up to ${maxLoad.toFixed(0)} on 2 cores): it is not a claim`,
    'that the target holds on a normal machine. Ansible\'s controller CPU grows with its wall time under load (its workers and ssh',
    'masters poll), which inflates the CPU ratios in meshbook\'s favour; memory and round trips depend little on the load.',
  ];
}

function targetsTable(samples: readonly Sample[]): string[] {
  return [
    '| target | measured | met | margin |',
    '|---|---|---|---:|',
    ...targets(samples).map((t) => `| ${t.target} | ${t.measured} | ${t.met === undefined ? '–' : t.met ? 'yes' : '**no**'} | ${marginText(t.margin)} |`),
    '',
    'Margin: how far the measure is past its target, as a share of the target; negative, how far short of it.',
  ];
}

function marginText(margin: number | undefined): string {
  if (margin === undefined) return '–';
  const percent = Math.round(margin * 100);
  return percent > 0 ? `+${percent}%` : percent < 0 ? `−${-percent}%` : '0%';
}

/** Replaces the README's table between its latest:start / latest:end markers. */
async function updateReadme(path: string, body: string): Promise<void> {
  const text = await readFile(path, 'utf8');
  const updated = text.replace(/(<!-- latest:start -->\n)[\s\S]*?(\n<!-- latest:end -->)/, `$1${body}$2`);
  await writeFile(path, updated);
}
