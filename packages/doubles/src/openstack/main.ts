// Starts the OpenStack double: seeds a fresh state from an inventory, serves Keystone, Nova and
// Neutron on one address, writes a clouds.yaml for its one account, and runs until SIGTERM.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { seedHostsFromInventory, seededState } from './seed.js';
import type { SeedHost } from './seed.js';
import { startOpenStackDouble } from './server.js';
import type { RunningOpenStackDouble } from './server.js';
import type { Account } from './state.js';
import { FlagError, exitWithError, flagsOrExit, stopOnSignals } from '../startup.js';

export const USAGE = `Usage: openstack-api --state-dir DIR (--inventory HOSTS.yaml | --seed-hosts HOSTS.json) [options]

The lab's OpenStack double: Keystone v3 (password auth), Nova (finding servers) and Neutron
(networks, ports, allowed_address_pairs) on one HTTP address. A fresh DIR is seeded with one server
per inventory host that has an upstream_ip (one port on that address, in openstack_network), or
one per entry of --seed-hosts ([{"name", "address", "network"}], the lab's merged inventory vars).
When ready it writes DIR/clouds.yaml (cloud "lab", mode 0600) and prints its auth URL.

Options:
  --listen HOST:PORT        address to serve on (default 127.0.0.1:0, any free port)
  --user NAME               the account's user (default meshbook)
  --project NAME            the account's project (default meshbook)
  --password-file FILE      the account's password (default: a random one, in clouds.yaml only)
  --cloud NAME              the cloud's name in clouds.yaml (default lab)`;

export interface DoubleFlags {
  stateDir: string;
  inventory?: string;
  seedHosts?: string;
  host: string;
  port: number;
  user: string;
  project: string;
  passwordFile?: string;
  cloud: string;
}

export { FlagError };

export function parseFlags(argv: string[]): DoubleFlags | 'help' {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return 'help';
    const [name, inline] = arg.startsWith('--') ? (arg.includes('=') ? [arg.slice(2, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg.slice(2), undefined]) : [undefined, undefined];
    if (!name || !['state-dir', 'inventory', 'seed-hosts', 'listen', 'user', 'project', 'password-file', 'cloud'].includes(name)) throw new FlagError(`unknown argument "${arg}"`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new FlagError(`--${name} needs a value`);
    values.set(name, value);
  }
  const stateDir = values.get('state-dir');
  const inventory = values.get('inventory');
  if (!stateDir) throw new FlagError('--state-dir is required');
  const seedHosts = values.get('seed-hosts');
  if (!inventory === !seedHosts) throw new FlagError('one of --inventory or --seed-hosts is required');
  const listen = values.get('listen') ?? '127.0.0.1:0';
  const m = /^([^:]+):(\d+)$/.exec(listen);
  if (!m || Number(m[2]) > 65535) throw new FlagError(`--listen: "${listen}" is not HOST:PORT`);
  return {
    stateDir,
    inventory,
    seedHosts,
    host: m[1]!,
    port: Number(m[2]),
    user: values.get('user') ?? 'meshbook',
    project: values.get('project') ?? 'meshbook',
    passwordFile: values.get('password-file'),
    cloud: values.get('cloud') ?? 'lab',
  };
}

export function cloudsYaml(cloud: string, authUrl: string, account: Account, region: string): string {
  return stringify({
    clouds: {
      [cloud]: {
        auth: {
          auth_url: authUrl,
          username: account.user,
          password: account.password,
          project_name: account.project,
          user_domain_name: account.userDomain,
          project_domain_name: account.projectDomain,
        },
        region_name: region,
        identity_api_version: 3,
        interface: 'public',
      },
    },
  });
}

export async function startFromFlags(flags: DoubleFlags): Promise<RunningOpenStackDouble & { cloudsFile: string }> {
  const password = flags.passwordFile ? readFileSync(flags.passwordFile, 'utf8').trim() : randomBytes(18).toString('base64url');
  const account: Account = { user: flags.user, project: flags.project, userDomain: 'Default', projectDomain: 'Default', password };
  const hosts: SeedHost[] = flags.seedHosts ? (JSON.parse(readFileSync(flags.seedHosts, 'utf8')) as SeedHost[]) : seedHostsFromInventory(flags.inventory!);
  const running = await startOpenStackDouble({ stateDir: flags.stateDir, initial: () => seededState(account, hosts), host: flags.host, port: flags.port });
  // A state kept from an earlier start keeps its account: clouds.yaml names what the double checks.
  const state = JSON.parse(readFileSync(running.stateFile, 'utf8')) as { account: Account; region: string };
  const cloudsFile = join(flags.stateDir, 'clouds.yaml');
  writeFileSync(cloudsFile, cloudsYaml(flags.cloud, running.authUrl, state.account, state.region), { mode: 0o600 });
  return { ...running, cloudsFile };
}

export function main(argv: string[]): void {
  const flags = flagsOrExit(argv, parseFlags, USAGE);
  if (!flags) return;
  startFromFlags(flags).then(
    (running) => {
      console.log(`serving ${running.authUrl} (clouds.yaml: ${running.cloudsFile})`);
      stopOnSignals(() => running.close());
    },
    (error: Error) => exitWithError(error.message),
  );
}
