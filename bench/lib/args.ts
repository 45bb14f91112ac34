/** `pnpm bench -- --hosts 1,4 --runs 3 --scenarios first,idempotent,drift --tools meshbook,ansible,mitogen --rtt 0,20,50` */
export const SCENARIOS = ['first', 'idempotent', 'drift'] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** mitogen: Ansible with Debian's ansible-mitogen, `strategy = mitogen_linear`. */
export const TOOLS = ['meshbook', 'ansible', 'mitogen'] as const;
/** `--baseline DIR`: meshbook built from another checkout, alternated with this one (before/after an engine change; not in the report's tables). */
export type BenchTool = Tool | 'baseline';
export type Tool = (typeof TOOLS)[number];

export interface BenchArgs {
  hostCounts: number[];
  runs: number;
  tools: Tool[];
  scenarios: Scenario[];
  /** Round-trip times (ms) added by a latency relay in front of every host; 0: straight to the host. */
  rttsMs: number[];
  /** Another checkout whose meshbook runs as the tool `baseline`, alternated with the others. */
  baselineRoot?: string;
  /** Skip writing bench/results/latest.* (a trial run). */
  dryReport: boolean;
}

function listOf<T extends string>(value: string, allowed: readonly T[], flag: string): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`${flag}: "${item}" is not one of ${allowed.join(', ')}`);
  return items as T[];
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchArgs {
  const args: BenchArgs = {
    hostCounts: (env.BENCH_HOSTS ?? '1,4,16').split(',').map(Number),
    runs: Number(env.BENCH_RUNS ?? 3),
    tools: [...TOOLS],
    scenarios: [...SCENARIOS],
    rttsMs: [0],
    dryReport: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--') continue; // pnpm passes it through
    else if (flag === '--hosts') args.hostCounts = value().split(',').map(Number);
    else if (flag === '--runs') args.runs = Number(value());
    else if (flag === '--tools') args.tools = listOf(value(), TOOLS, '--tools');
    else if (flag === '--scenarios') args.scenarios = listOf(value(), SCENARIOS, '--scenarios');
    else if (flag === '--rtt') args.rttsMs = value().split(',').map(Number);
    else if (flag === '--dry-report') args.dryReport = true;
    else if (flag === '--baseline') args.baselineRoot = value();
    else throw new Error(`unknown flag ${flag} (known: --hosts 1,4,16 --runs N --tools meshbook,ansible,mitogen --scenarios first,idempotent,drift --rtt 0,20,50 --dry-report)`);
  }
  if (args.hostCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 32)) throw new Error('--hosts: whole numbers from 1 to 32');
  if (args.rttsMs.some((r) => !Number.isFinite(r) || r < 0 || r > 500)) throw new Error('--rtt: milliseconds from 0 to 500');
  if (args.scenarios.includes('drift') && !args.scenarios.includes('first')) throw new Error('--scenarios: drift needs first (it drifts a prepared host)');
  // Every run starts on a fresh fleet: without a first run, "idempotent" would time a first run.
  if (args.scenarios.includes('idempotent') && !args.scenarios.includes('first')) throw new Error('--scenarios: idempotent needs first (it re-runs on a prepared host)');
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error('--runs: a whole number of at least 1');
  return args;
}
