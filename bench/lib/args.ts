/** `pnpm bench -- --hosts 1,4 --runs 3 --scenarios first,idempotent,drift --tools meshbook,ansible` */
export const SCENARIOS = ['first', 'idempotent', 'drift'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const TOOLS = ['meshbook', 'ansible'] as const;
export type Tool = (typeof TOOLS)[number];

export interface BenchArgs {
  hostCounts: number[];
  runs: number;
  tools: Tool[];
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
    else if (flag === '--dry-report') args.dryReport = true;
    else throw new Error(`unknown flag ${flag} (known: --hosts 1,4,16 --runs N --tools meshbook,ansible --dry-report)`);
  }
  if (args.hostCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 32)) throw new Error('--hosts: whole numbers from 1 to 32');
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error('--runs: a whole number of at least 1');
  return args;
}
