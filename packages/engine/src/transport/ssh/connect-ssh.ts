import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { MeshbookError } from '../../errors.js';
import type { Secret } from '../../secret.js';
import type { HostLockRequest } from '../host-lock.js';
import type { BecomeMethod } from '../types.js';
import type { HostKeyPolicy } from './host-key-policy.js';
import { defaultIdentityFiles, defaultUser, openConnection, readKeyFiles, type ConnectionTarget } from './connection.js';
import { loadSshConfig, parseJumpHop, resolveSshConfig } from './ssh-config.js';
import { SshTransport } from './ssh-transport.js';

export interface SshTransportOptions {
  /** Inventory name (for errors and events). */
  host: string;
  /** Address or ssh config alias; HostName from ~/.ssh/config replaces an alias. */
  address: string;
  /** Default: ssh config Port, else 22. */
  port?: number;
  /** Default: ssh config User, else the current local user. */
  user?: string;
  privateKey?: string | Buffer;
  privateKeyFile?: string;
  passphrase?: Secret;
  password?: Secret;
  /** ssh-agent socket; default process.env.SSH_AUTH_SOCK; false disables the agent. */
  agent?: string | false;
  /** Default: ssh config's StrictHostKeyChecking, else strict. */
  hostKeyPolicy?: HostKeyPolicy;
  /** Default: ssh config's UserKnownHostsFile, else ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  /** become password, given on stdin once per kept become shell. */
  becomePassword?: Secret;
  /** How `become` changes user (Ansible's become_method) unless a play or task says; default sudo. */
  becomeMethod?: BecomeMethod;
  /** Bastion: ssh's `[user@]host[:port]` (comma-separated for a chain) or full options. */
  proxyJump?: string | SshTransportOptions;
  /** Default ~/.ssh/config when it exists; false ignores it. */
  sshConfigFile?: string | false;
  /** Handshake timeout; default 10000. */
  connectTimeoutMs?: number;
  /** SSH keepalive; default ssh config's ServerAliveInterval (0: off), else 10000 (ServerAliveCountMax, default three, missed ones drop the connection). */
  keepaliveIntervalMs?: number;
  /** Channels per connection (sessions included); default 8, under OpenSSH's MaxSessions 10. */
  maxChannels?: number;
  /** Receives notices such as a host key added by accept-new (they are also on transport.notices). */
  onNotice?: (message: string) => void;
  /** Receives details worth showing at -vvv, such as output dropped because it belonged to no command. */
  onDebug?: (message: string) => void;
  /** How long a new shell, plain or through sudo, may take to be ready (default 20 s): sudo stuck at a prompt it cannot get answered is BECOME_FAILED then. */
  sessionOpenTimeoutMs?: number;
  /**
   * Takes the host lock (host-lock.ts) in the bootstrap of a shell of its own, opened alongside the
   * first shell for commands (no round trip after another).
   * Another run holding it for the whole wait fails the connect with HOST_LOCKED; lockHost with
   * the same request then answers what was found.
   */
  hostLock?: HostLockRequest;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_KEEPALIVE_MS = 10_000;
const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
const DEFAULT_MAX_CHANNELS = 8;

/** Connects now (handshake, host key, auth, first shell session, host lock if asked) and returns the transport. */
export async function connectSsh(options: SshTransportOptions): Promise<SshTransport> {
  const notices: string[] = [];
  const notice = (message: string) => {
    notices.push(message);
    options.onNotice?.(message);
  };
  const jumpClients: Client[] = [];
  try {
    const { client, user } = await connectHop(options, notice, jumpClients);
    const transport = new SshTransport({
      host: options.host,
      loginUser: user,
      client,
      jumpClients,
      becomePassword: options.becomePassword,
      becomeMethod: options.becomeMethod,
      maxChannels: Math.max(2, options.maxChannels ?? DEFAULT_MAX_CHANNELS),
      notices,
      onDebug: options.onDebug,
      sessionOpenTimeoutMs: options.sessionOpenTimeoutMs,
      redial: () => redial(options, notice),
    });
    try {
      await transport.warmUp(options.hostLock);
    } catch (error) {
      await transport.close();
      throw error;
    }
    return transport;
  } catch (error) {
    for (const jump of jumpClients) jump.end();
    if (error instanceof MeshbookError) throw error;
    throw new MeshbookError('UNREACHABLE', `cannot connect to ${options.host}: ${(error as Error).message}`, { host: options.host, cause: error });
  }
}

/** A new connection with the same options, for SshTransport.reconnect (the first shell is its own). */
async function redial(options: SshTransportOptions, notice: (m: string) => void): Promise<{ client: Client; jumpClients: Client[] }> {
  const jumpClients: Client[] = [];
  try {
    const { client } = await connectHop(options, notice, jumpClients);
    return { client, jumpClients };
  } catch (error) {
    for (const jump of jumpClients) jump.end();
    if (error instanceof MeshbookError) throw error;
    throw new MeshbookError('UNREACHABLE', `cannot connect to ${options.host}: ${(error as Error).message}`, { host: options.host, cause: error });
  }
}

/** Resolves one hop through ssh config, connects its own bastion first if it has one, then connects it. */
async function connectHop(options: SshTransportOptions, notice: (m: string) => void, jumpClients: Client[]): Promise<{ client: Client; user: string }> {
  const config = loadSshConfig(options.sshConfigFile);
  const resolved = resolveSshConfig(config, options.address);
  const address = resolved.hostName ?? options.address;
  const port = options.port ?? resolved.port ?? 22;
  const user = options.user ?? resolved.user ?? defaultUser();
  const explicitKeys = options.privateKeyFile ? readKeyFiles([options.privateKeyFile], true) : [];
  const keys: ConnectionTarget['keys'] = options.privateKey
    ? [{ source: 'privateKey option', data: options.privateKey, explicit: true }]
    : explicitKeys.length
      ? explicitKeys
      : resolved.identityFiles.length
        ? readKeyFiles(resolved.identityFiles, false)
        : readKeyFiles(defaultIdentityFiles(), false);
  const agent = options.agent === false ? undefined : (options.agent ?? process.env['SSH_AUTH_SOCK'] ?? undefined);
  // The inventory's (or the caller's) word first, then ssh config's, as ssh's -o beats its config.
  const policy = options.hostKeyPolicy ?? resolved.strictHostKeyChecking ?? 'strict';
  const knownHostsFile = options.knownHostsFile ?? resolved.userKnownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const keepaliveIntervalMs = options.keepaliveIntervalMs ?? resolved.serverAliveIntervalMs ?? DEFAULT_KEEPALIVE_MS;

  const target: ConnectionTarget = {
    host: options.host,
    address,
    port,
    user,
    keys,
    passphrase: options.passphrase,
    password: options.password,
    agent: agent || undefined,
    hostKey: {
      host: options.host,
      address,
      port,
      policy,
      knownHostsFile,
      notice,
      ...(resolved.hostKeyAlias === undefined ? {} : { hostKeyAlias: resolved.hostKeyAlias }),
      ...(resolved.hashKnownHosts ? { hashNewEntries: true } : {}),
    },
    connectTimeoutMs,
    keepaliveIntervalMs,
    keepaliveCountMax: resolved.serverAliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
  };

  const jump = jumpOptions(options.proxyJump ?? resolved.proxyJump, options);
  if (jump) {
    const bastion = await connectHop(jump, notice, jumpClients);
    jumpClients.push(bastion.client);
    target.sock = await new Promise((resolve, reject) => {
      bastion.client.forwardOut('127.0.0.1', 0, address, port, (error, stream) => {
        if (error) {
          reject(new MeshbookError('UNREACHABLE', `cannot reach ${options.host} (${address}:${port}) through bastion ${jump.host}: ${error.message}`, { host: options.host, cause: error }));
        } else resolve(stream);
      });
    });
  }
  return { client: await openConnection(target), user };
}

/**
 * The options of the last hop of a ProxyJump (`a,b` means a first, then b through a, then the
 * target through b). A string hop inherits the target's keys, known_hosts and policy, as ssh does.
 */
function jumpOptions(proxyJump: string | SshTransportOptions | undefined, target: SshTransportOptions): SshTransportOptions | undefined {
  if (proxyJump === undefined) return undefined;
  if (typeof proxyJump !== 'string') return proxyJump;
  const hops = proxyJump.split(',').map((h) => h.trim()).filter(Boolean);
  const last = hops.pop();
  if (!last) return undefined;
  const hop = parseJumpHop(last);
  const options: SshTransportOptions = {
    host: `${target.host} via ${hop.host}`,
    address: hop.host,
    sshConfigFile: target.sshConfigFile,
    privateKey: target.privateKey,
    privateKeyFile: target.privateKeyFile,
    passphrase: target.passphrase,
    agent: target.agent,
    hostKeyPolicy: target.hostKeyPolicy,
    knownHostsFile: target.knownHostsFile,
    connectTimeoutMs: target.connectTimeoutMs,
    keepaliveIntervalMs: target.keepaliveIntervalMs,
  };
  if (hop.port !== undefined) options.port = hop.port;
  if (hop.user !== undefined) options.user = hop.user;
  if (hops.length) options.proxyJump = hops.join(',');
  return options;
}
