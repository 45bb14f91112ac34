import type { ConnectionSpec } from '../inventory/types.js';
import { LocalTransport } from './local.js';
import type { SshTransport, SshTransportOptions } from './ssh/index.js';
import type { ConnectOptions, Transport } from './types.js';

/**
 * Connects over SSH. ssh2 is loaded on first use (~75 ms to import), so importing the engine
 * stays cheap for programs that never open a connection.
 */
export async function connectSsh(options: SshTransportOptions): Promise<SshTransport> {
  const ssh = await import('./ssh/index.js');
  return ssh.connectSsh(options);
}

/**
 * The transport an inventory host asks for. SSH connects eagerly, so an unreachable host fails
 * here (UNREACHABLE, AUTH_FAILED, HOST_KEY_*, or HOST_LOCKED when asked for the host lock) before
 * any task runs on it. The local transport has no lock.
 */
export async function createTransport(name: string, spec: ConnectionSpec, connect: ConnectOptions = {}): Promise<Transport> {
  if (spec.connection === 'local') return new LocalTransport(name);
  const options: SshTransportOptions = {
    host: name,
    address: spec.address,
    hostKeyPolicy: spec.hostKeyPolicy,
    connectTimeoutMs: spec.connectTimeoutMs,
  };
  if (connect.hostLock !== undefined) options.hostLock = connect.hostLock;
  if (connect.onNotice !== undefined) options.onNotice = connect.onNotice;
  if (connect.onDebug !== undefined) options.onDebug = connect.onDebug;
  // 22 is the inventory's default, so it must not hide a Port from ~/.ssh/config.
  if (spec.port !== 22) options.port = spec.port;
  if (spec.user !== undefined) options.user = spec.user;
  if (spec.privateKeyFile !== undefined) options.privateKeyFile = spec.privateKeyFile;
  if (spec.password !== undefined) options.password = spec.password;
  if (spec.becomePassword !== undefined) options.becomePassword = spec.becomePassword;
  if (spec.knownHostsFile !== undefined) options.knownHostsFile = spec.knownHostsFile;
  if (spec.proxyJump !== undefined) options.proxyJump = spec.proxyJump;
  return connectSsh(options);
}
