// Command-line parsing in the way cobra/pflag parse cilium-cli's flags: `--flag value`,
// `--flag=value`, `-n value`, booleans bare or `=true|false`, Go durations (`15m`, `1m30s`).
export type FlagType = 'string' | 'bool' | 'duration' | 'strings';

export interface FlagSpec {
  name: string;
  type: FlagType;
  short?: string;
  default?: string | boolean | number | string[];
}

export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

export class UsageError extends Error {}

/** Go's time.ParseDuration for the units a person types; milliseconds out. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (text === '0') return 0;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * unit[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || text.length === 0) throw new UsageError(`time: invalid duration "${text}"`);
  return total;
}

export function parseFlags(argv: string[], specs: FlagSpec[]): { flags: FlagValues; positional: string[] } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags: FlagValues = {};
  for (const s of specs) flags[s.name] = s.default;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const short = arg.slice(1, 2);
      spec = byShort.get(short);
      if (!spec) throw new UsageError(`unknown shorthand flag: '${short}' in ${arg}`);
      if (arg.length > 2) inline = arg.slice(arg[2] === '=' ? 3 : 2);
    } else {
      positional.push(arg);
      continue;
    }
    if (spec.type === 'bool') {
      if (inline === undefined) flags[spec.name] = true;
      else if (/^(true|1|t|T|TRUE|True)$/.test(inline)) flags[spec.name] = true;
      else if (/^(false|0|f|F|FALSE|False)$/.test(inline)) flags[spec.name] = false;
      else throw new UsageError(`invalid argument "${inline}" for "--${spec.name}" flag: strconv.ParseBool: parsing "${inline}": invalid syntax`);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${spec.name}`);
      value = argv[++i]!;
    }
    if (spec.type === 'duration') {
      try {
        flags[spec.name] = parseDuration(value);
      } catch (err) {
        throw new UsageError(`invalid argument "${value}" for "--${spec.name}" flag: ${(err as Error).message}`);
      }
    } else if (spec.type === 'strings') {
      const prev = flags[spec.name];
      flags[spec.name] = [...(Array.isArray(prev) && prev !== spec.default ? prev : []), ...value.split(',').filter((v) => v !== '')];
    } else {
      flags[spec.name] = value;
    }
  }
  return { flags, positional };
}

/** Flags every cilium-cli command takes. */
export const globalFlags: FlagSpec[] = [
  { name: 'context', type: 'string', default: '' },
  { name: 'kubeconfig', type: 'string', default: '' },
  { name: 'namespace', short: 'n', type: 'string', default: '' },
  { name: 'helm-release-name', type: 'string', default: 'cilium' },
  { name: 'help', short: 'h', type: 'bool', default: false },
];
