// The command line shared by the by-hand trace scripts (first-run-trace, host-cpu-trace,
// noop-host-cpu): `[N] [--runs R] [--baseline DIR] [--flag ...]`.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

export interface TraceArgs {
  /** The first argument when it is a number (hosts), else `defaultHosts`. */
  hosts: number;
  runs: number;
  /** Another built checkout to alternate with. */
  baseline: string | undefined;
  /** Whether a bare flag such as `--ansible` was given. */
  has(flag: string): boolean;
  /** The value after a flag such as `--rtt`, if given. */
  option(name: string): string | undefined;
}

export function traceArgs(argv: readonly string[], defaults: { hosts?: number; runs?: number } = {}): TraceArgs {
  const option = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const first = argv[0];
  return {
    hosts: first !== undefined && /^\d+$/.test(first) ? Number(first) : (defaults.hosts ?? 1),
    runs: Number(option('--runs') ?? defaults.runs ?? 1),
    baseline: option('--baseline'),
    has: (flag) => argv.includes(flag),
    option,
  };
}

/** A new raw-results directory for one trace run, named by its start time. */
export function traceOutDir(name: string): string {
  return join(repoRoot, 'bench/results/raw', name, new Date().toISOString().replaceAll(':', '-').slice(0, 19));
}
