import { KubeadmError } from './errors.js';

export interface FlagSpec {
  /** flags that take a value; repeated ones collect every value */
  values?: string[];
  /** flags that stand alone (or take `=true|false`) */
  bools?: string[];
  /** short aliases, e.g. { f: 'force', o: 'output' } */
  short?: Record<string, string>;
}

export interface ParsedFlags {
  args: string[];
  values: Map<string, string[]>;
  bools: Set<string>;
}

/** pflag's grammar: `--name=value`, `--name value`, `-x value`, booleans alone; `--` ends flags. */
export function parseFlags(argv: string[], spec: FlagSpec): ParsedFlags {
  const values = new Map<string, string[]>();
  const bools = new Set<string>();
  const args: string[] = [];
  const valueFlags = new Set([...(spec.values ?? []), 'kubeconfig', 'rootfs', 'v']);
  const boolFlags = new Set(spec.bools ?? []);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      args.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const body = arg.slice(long ? 2 : 1);
    const eq = body.indexOf('=');
    let name = eq < 0 ? body : body.slice(0, eq);
    if (!long) {
      const full = spec.short?.[name];
      if (!full) throw new KubeadmError(`unknown shorthand flag: '${name}' in ${arg}`);
      name = full;
    }
    if (boolFlags.has(name)) {
      const v = eq < 0 ? 'true' : body.slice(eq + 1);
      if (v !== 'true' && v !== 'false') throw new KubeadmError(`invalid argument "${v}" for "--${name}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
      if (v === 'true') bools.add(name);
      else bools.delete(name);
      continue;
    }
    if (!valueFlags.has(name)) throw new KubeadmError(long ? `unknown flag: --${name}` : `unknown shorthand flag: '${name}' in ${arg}`);
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new KubeadmError(`flag needs an argument: --${name}`);
      value = next;
      i++;
    }
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return { args, values, bools };
}

export function lastValue(flags: ParsedFlags, name: string): string | undefined {
  return flags.values.get(name)?.at(-1);
}

/** pflag's string slices: repeated flags and comma-separated values both add up. */
export function listValue(flags: ParsedFlags, name: string): string[] {
  return (flags.values.get(name) ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}
