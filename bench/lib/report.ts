import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { SCENARIOS, type Scenario, type Tool } from './args.js';
import { renderChart } from './chart.js';
import type { MachineFacts } from './machine.js';
import type { PlaybookCompile } from './playbook-compile.js';
import type { Sample } from './samples.js';
import { cellOf, type Cell } from './cells.js';
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
  /** Said under the heading, e.g. when the tools' samples come from different raw runs. */
  note?: string;
  /** bench/README.md, whose latest-results section gets the table (absent on a dry report). */
  readmePath?: string;
  /** The project README, whose Speed section gets the table and the targets (absent on a dry report). */
  projectReadmePath?: string;
}

const f1 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '–' : `**${(a / b).toFixed(1)}x**`);

function table(samples: readonly Sample[], hostCounts: number[]): string[] {
  const lines = [
    '| N | scenario | wall meshbook (s) | wall Ansible (s) | Ansible / meshbook | CPU meshbook (s) | CPU Ansible (s) | Ansible / meshbook | mem meshbook (MB) | mem Ansible (MB) | round trips / host meshbook | SSH sessions / host Ansible | changed m / a |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const n of hostCounts) {
    for (const scenario of SCENARIOS) {
      const m = cellOf(samples, 'meshbook', n, scenario);
      const a = cellOf(samples, 'ansible', n, scenario);
      const fail = (c: Cell | undefined) => (c && c.failures > 0 ? ` (${c.failures} failed)` : '');
      lines.push(
        `| ${n} | ${scenario} | ${f1(m?.wall)}${fail(m)} | ${f1(a?.wall)}${fail(a)} | ${ratio(a?.wall, m?.wall)} | ${f1(m?.cpu)} | ${f1(a?.cpu)} | ${ratio(a?.cpu, m?.cpu)} | ` +
          `${f1(m?.maxRss)} / ${f1(m?.treePss)} | ${f1(a?.maxRss)} / ${f1(a?.treePss)} | ${m?.roundTrips ?? '–'} | ${a?.roundTrips ?? '–'} | ${m?.changed ?? '–'} / ${a?.changed ?? '–'} |`,
      );
    }
  }
  return lines;
}

type Verdict = { target: string; measured: string; met: boolean | undefined };

function targets(samples: readonly Sample[]): Verdict[] {
  const wallRatio = (n: number, s: Scenario) => {
    const m = cellOf(samples, 'meshbook', n, s);
    const a = cellOf(samples, 'ansible', n, s);
    return m && a ? a.wall / m.wall : undefined;
  };
  const cpuRatios = samples
    .filter((x) => x.tool === 'meshbook')
    .map((x) => [x.hosts, x.scenario] as const)
    .map(([n, s]) => ({ n, s, r: (cellOf(samples, 'ansible', n, s)?.cpu ?? NaN) / (cellOf(samples, 'meshbook', n, s)?.cpu ?? NaN) }))
    .filter((x) => !Number.isNaN(x.r));
  const worstCpu = cpuRatios.sort((a, b) => a.r - b.r)[0];
  const mesh16 = samples.filter((x) => x.tool === 'meshbook' && x.hosts === 16);
  const peak16 = mesh16.length ? Math.max(...mesh16.map((x) => Math.max(x.maxRssMb, x.peakTreePssMb))) : undefined;
  const noop = samples.filter((x) => x.tool === 'meshbook' && x.scenario === 'idempotent');
  const noopRt = noop.length ? Math.max(...noop.flatMap((x) => Object.values(x.roundTripsPerHost))) : undefined;
  const v = (target: string, value: number | undefined, ok: (x: number) => boolean, show: (x: number) => string): Verdict => ({
    target,
    measured: value === undefined ? 'not measured' : show(value),
    met: value === undefined ? undefined : ok(value),
  });
  const x = (r: number) => `${r.toFixed(1)}x`;
  return [
    v('idempotent re-run ≥ 20x faster at 16 hosts', wallRatio(16, 'idempotent'), (r) => r >= 20, x),
    v('idempotent re-run ≥ 10x faster at 1 host', wallRatio(1, 'idempotent'), (r) => r >= 10, x),
    v('first run ≥ 10x faster at 16 hosts', wallRatio(16, 'first'), (r) => r >= 10, x),
    v('controller CPU ≥ 10x lower (worst cell)', worstCpu?.r, (r) => r >= 10, (r) => `${x(r)} (N=${worstCpu!.n}, ${worstCpu!.s})`),
    v('controller peak memory < 150 MB at 16 hosts', peak16, (m) => m < 150, (m) => `${m.toFixed(0)} MB (worst sample, max of RSS and tree PSS)`),
    v('no-op re-run ≤ 3 round trips per host per play (1 play)', noopRt, (r) => r <= 3, (r) => `${r} (worst host, any N)`),
  ];
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
  const digestsByTool = (tool: Tool) => [...new Set(input.digests.filter((d) => d.tool === tool).map((d) => d.digest))];
  const same = digestsByTool('meshbook').join() === digestsByTool('ansible').join();
  const md = [
    '# meshbook vs Ansible: node preparation benchmark',
    '',
    `Generated by \`pnpm bench\` on ${facts.date} (commit ${facts.gitCommit}${facts.uncommittedEngineFiles ? ` + ${facts.uncommittedEngineFiles} uncommitted engine/modules files` : ''}); ` +
      `${input.runs} run(s) per cell, medians shown. meshbook build(s) measured: ${buildsOf(samples)}.`,
    ...(input.note ? ['', `> ${input.note}`] : []),
    '',
    ...table(samples, hostCounts),
    '',
    '![wall time](latest.svg)',
    '',
    '## Targets (issue 7)',
    '',
    ...targetsTable(samples),
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
    await updateReadme(input.readmePath, [...table(samples, hostCounts), '', `Targets, method and machine: [results/latest.md](results/latest.md).`].join('\n'));
    const written = [mdPath, svgPath, input.readmePath];
    if (input.projectReadmePath) {
      await updateReadme(input.projectReadmePath, [...table(samples, hostCounts), '', "Issue 7's targets, honestly:", '', ...targetsTable(samples)].join('\n'));
      written.push(input.projectReadmePath);
    }
    return written;
  }
  return [mdPath, svgPath];
}

function targetsTable(samples: readonly Sample[]): string[] {
  return [
    '| target | measured | met |',
    '|---|---|---|',
    ...targets(samples).map((t) => `| ${t.target} | ${t.measured} | ${t.met === undefined ? '–' : t.met ? 'yes' : '**no**'} |`),
  ];
}

/** Replaces the README's table between its latest:start / latest:end markers. */
async function updateReadme(path: string, body: string): Promise<void> {
  const text = await readFile(path, 'utf8');
  const updated = text.replace(/(<!-- latest:start -->\n)[\s\S]*?(\n<!-- latest:end -->)/, `$1${body}$2`);
  await writeFile(path, updated);
}
