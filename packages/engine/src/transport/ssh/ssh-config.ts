import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type SSHConfig from 'ssh-config';

/** What ~/.ssh/config says about one host, for the keywords meshbook honours. */
export interface SshConfigHost {
  hostName: string | undefined;
  user: string | undefined;
  port: number | undefined;
  identityFiles: string[];
  proxyJump: string | undefined;
  /** The name looked up in (and added to) known_hosts instead of the address. */
  hostKeyAlias: string | undefined;
  /** StrictHostKeyChecking: yes/ask → strict, accept-new, no/off → off. */
  strictHostKeyChecking: 'strict' | 'accept-new' | 'off' | undefined;
  /** UserKnownHostsFile: the first file (where new keys go); `none` reads no user file. */
  userKnownHostsFile: string | undefined;
  /** HashKnownHosts: keys added under accept-new are written hashed. */
  hashKnownHosts: boolean | undefined;
  /** ServerAliveInterval in ms (0: off) and ServerAliveCountMax. */
  serverAliveIntervalMs: number | undefined;
  serverAliveCountMax: number | undefined;
}

const EMPTY: SshConfigHost = {
  hostName: undefined,
  user: undefined,
  port: undefined,
  identityFiles: [],
  proxyJump: undefined,
  hostKeyAlias: undefined,
  strictHostKeyChecking: undefined,
  userKnownHostsFile: undefined,
  hashKnownHosts: undefined,
  serverAliveIntervalMs: undefined,
  serverAliveCountMax: undefined,
};

function strictHostKeyChecking(value: string | undefined): SshConfigHost['strictHostKeyChecking'] {
  switch (value?.toLowerCase()) {
    case 'yes':
    case 'ask':
      // meshbook asks nobody: ask is as strict as yes.
      return 'strict';
    case 'accept-new':
      return 'accept-new';
    case 'no':
    case 'off':
      return 'off';
    default:
      return undefined;
  }
}

function count(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

export function defaultSshConfigFile(): string {
  return join(homedir(), '.ssh', 'config');
}

/** Reads the config file; `false` or a missing default file means no config. */
export function loadSshConfig(file: string | false | undefined): SSHConfig | undefined {
  if (file === false) return undefined;
  const path = file ?? defaultSshConfigFile();
  if (file === undefined && !existsSync(path)) return undefined;
  // Loaded only when there is a config to parse: ~15 ms of every run's start otherwise.
  const parser = createRequire(import.meta.url)('ssh-config') as { default: typeof SSHConfig };
  return parser.default.parse(readFileSync(path, 'utf8'));
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function all(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** OpenSSH's `~` and `%` tokens in IdentityFile and HostName, the ones that make sense without a session. */
export function expandTokens(text: string, tokens: { host: string; remoteUser: string | undefined }): string {
  const home = homedir();
  const expanded = text.startsWith('~/') || text === '~' ? home + text.slice(1) : text;
  return expanded.replace(/%([%dhur])/g, (_, token: string) => {
    switch (token) {
      case '%': return '%';
      case 'd': return home;
      case 'h': return tokens.host;
      case 'u': return userInfo().username;
      case 'r': return tokens.remoteUser ?? userInfo().username;
      default: return _;
    }
  });
}

/**
 * Resolves `alias` the way ssh does: first value wins for single keywords, IdentityFile
 * accumulates. `Match exec` is never evaluated: reading a config must not run programs.
 */
export function resolveSshConfig(config: SSHConfig | undefined, alias: string): SshConfigHost {
  if (!config) return { ...EMPTY, identityFiles: [] };
  const computed = config.compute(alias, { ignoreCase: true, matchExec: false });
  const user = first(computed['user']);
  const hostNameRaw = first(computed['hostname']);
  const portRaw = first(computed['port']);
  const port = portRaw === undefined ? undefined : Number(portRaw);
  const proxyJump = first(computed['proxyjump']);
  const knownHosts = first(computed['userknownhostsfile'])?.split(/\s+/)[0];
  const aliveSeconds = count(first(computed['serveraliveinterval']));
  const hash = first(computed['hashknownhosts'])?.toLowerCase();
  return {
    hostKeyAlias: first(computed['hostkeyalias']),
    strictHostKeyChecking: strictHostKeyChecking(first(computed['stricthostkeychecking'])),
    userKnownHostsFile: knownHosts === undefined ? undefined : knownHosts.toLowerCase() === 'none' ? '/dev/null' : expandTokens(knownHosts, { host: alias, remoteUser: user }),
    hashKnownHosts: hash === 'yes' ? true : hash === 'no' ? false : undefined,
    serverAliveIntervalMs: aliveSeconds === undefined ? undefined : aliveSeconds * 1000,
    serverAliveCountMax: count(first(computed['serveralivecountmax'])),
    hostName: hostNameRaw === undefined ? undefined : expandTokens(hostNameRaw, { host: alias, remoteUser: user }),
    user,
    port: port !== undefined && Number.isInteger(port) && port > 0 ? port : undefined,
    identityFiles: all(computed['identityfile']).map((f) => expandTokens(f, { host: hostNameRaw ?? alias, remoteUser: user })),
    // `ProxyJump none` switches off a jump a broader Host block set.
    proxyJump: proxyJump === undefined || proxyJump.toLowerCase() === 'none' ? undefined : proxyJump,
  };
}

/** One `[user@]host[:port]` hop of a ProxyJump value (`ssh://` URLs too). */
export interface JumpHop {
  user: string | undefined;
  host: string;
  port: number | undefined;
}

export function parseJumpHop(text: string): JumpHop {
  let rest = text.trim().replace(/^ssh:\/\//, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) {
    rest = bracketed[1]!;
    port = bracketed[2] ? Number(bracketed[2]) : undefined;
  } else {
    const colon = /^([^:]+):(\d+)$/.exec(rest);
    if (colon) {
      rest = colon[1]!;
      port = Number(colon[2]);
    }
  }
  return { user, host: rest, port };
}
