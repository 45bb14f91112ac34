// The `cilium` command line: which words run which command with which flags, help text, and
// cilium-cli's error convention (`\nError: <message>` on stderr, exit code 1).
import { globalFlags, parseFlags, UsageError, type FlagSpec } from './args.js';
import { CommandContext, FatalError, type Io } from './context.js';
import { KubeconfigError } from './kubeconfig.js';
import { ApiError } from './kube-client.js';
import { clustermeshEnable } from './commands/enable.js';
import { clustermeshConnect, clustermeshDisconnect } from './commands/connect.js';
import { clustermeshStatus } from './commands/mesh-status.js';
import { clustermeshDisable } from './commands/disable.js';
import { ciliumStatus } from './commands/status.js';
import { version } from './commands/version.js';
import { connectivityTest } from './commands/connectivity.js';

interface Command {
  path: string[];
  short: string;
  flags: FlagSpec[];
  run: (ctx: CommandContext) => Promise<void>;
}

// The default wait durations (status 5m, clustermesh status 15m) are applied by the commands.
const waitFlags: FlagSpec[] = [
  { name: 'wait', type: 'bool', default: false },
  { name: 'wait-duration', type: 'duration', default: 0 },
];

const commands: Command[] = [
  { path: ['version'], short: 'Display detailed version information', flags: [{ name: 'client', type: 'bool', default: false }], run: version },
  { path: ['status'], short: 'Display status', flags: waitFlags, run: ciliumStatus },
  {
    path: ['clustermesh', 'enable'],
    short: 'Enable ClusterMesh ability in a cluster',
    flags: [
      { name: 'service-type', type: 'string', default: '' },
      { name: 'enable-kvstoremesh', type: 'bool', default: false },
    ],
    run: clustermeshEnable,
  },
  { path: ['clustermesh', 'disable'], short: 'Disable ClusterMesh ability in a cluster', flags: [], run: clustermeshDisable },
  {
    path: ['clustermesh', 'connect'],
    short: 'Connect to a remote cluster',
    flags: [
      { name: 'destination-context', type: 'string', default: '' },
      { name: 'destination-endpoint', type: 'strings', default: [] },
      { name: 'source-endpoint', type: 'strings', default: [] },
      { name: 'allow-mismatching-ca', type: 'bool', default: false },
      { name: 'connection-mode', type: 'string', default: 'bidirectional' },
    ],
    run: clustermeshConnect,
  },
  {
    path: ['clustermesh', 'disconnect'],
    short: 'Disconnect from a remote cluster',
    flags: [{ name: 'destination-context', type: 'string', default: '' }],
    run: clustermeshDisconnect,
  },
  {
    path: ['clustermesh', 'status'],
    short: 'Show status of ClusterMesh',
    flags: [...waitFlags, { name: 'output', short: 'o', type: 'string', default: '' }],
    run: clustermeshStatus,
  },
  {
    path: ['connectivity', 'test'],
    short: 'Validate connectivity in cluster',
    flags: [
      { name: 'multi-cluster', type: 'string', default: '' },
      { name: 'test', type: 'strings', default: [] },
    ],
    run: connectivityTest,
  },
];

function usage(prefix: string[]): string {
  const subs = commands.filter((c) => prefix.every((p, i) => c.path[i] === p) && c.path.length > prefix.length);
  const names = [...new Set(subs.map((c) => c.path[prefix.length]!))];
  const lines = [
    `Usage:\n  cilium ${[...prefix, '[command]'].join(' ')}\n`,
    'Available Commands:',
    ...names.map((n) => {
      const leaf = subs.find((c) => c.path.length === prefix.length + 1 && c.path[prefix.length] === n);
      return `  ${n.padEnd(14)}${leaf?.short ?? ''}`;
    }),
    '',
    'This cilium is a double of cilium-cli for the meshbook lab: it speaks to the Kubernetes API the same way and prints the same shapes.',
  ];
  return lines.join('\n') + '\n';
}

export async function main(argv: string[], io: Io): Promise<number> {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  const command = commands
    .filter((c) => c.path.every((p, i) => words[i] === p))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!command) {
    const groups = ['clustermesh', 'connectivity'];
    if (words.length === 0 || (words.length === 1 && groups.includes(words[0]!))) {
      io.out(usage(words));
      return 0;
    }
    // cobra's wording: the first word it could not place, and the command it was given to.
    const inGroup = groups.includes(words[0]!);
    const parent = inGroup ? `cilium ${words[0]}` : 'cilium';
    io.err(`Error: unknown command "${inGroup ? words[1] : words[0]}" for "${parent}"\nRun '${parent} --help' for usage.\n`);
    return 1;
  }
  const rest = argv.slice(command.path.length);
  let parsed;
  try {
    parsed = parseFlags(rest, [...globalFlags, ...command.flags]);
  } catch (err) {
    io.err(`Error: ${(err as Error).message}\n`);
    return 1;
  }
  if (parsed.flags.help === true) {
    io.out(`${command.short}\n\nUsage:\n  cilium ${command.path.join(' ')} [flags]\n\nFlags:\n${[...command.flags, ...globalFlags].map((f) => `      --${f.name}`).join('\n')}\n`);
    return 0;
  }
  if (parsed.positional.length > 0) {
    io.err(`Error: unknown command "${parsed.positional[0]}" for "cilium ${command.path.join(' ')}"\n`);
    return 1;
  }
  const ctx = new CommandContext(io, parsed.flags);
  try {
    await command.run(ctx);
    return 0;
  } catch (err) {
    const known = err instanceof FatalError || err instanceof KubeconfigError || err instanceof ApiError || err instanceof UsageError;
    io.err(`\nError: ${known ? (err as Error).message : `${(err as Error).message}`}\n`);
    return 1;
  }
}
