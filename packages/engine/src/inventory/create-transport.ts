import { connectSsh } from '../transport/connect.js';
import { LocalTransport } from '../transport/local.js';
import type { SshTransportOptions } from '../transport/ssh/index.js';
import type { ConnectOptions, Transport } from '../transport/types.js';
import type { ConnectionSpec } from './types.js';

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
    connectTimeoutMs: spec.connectTimeoutMs,
  };
  if (spec.hostKeyPolicy !== undefined) options.hostKeyPolicy = spec.hostKeyPolicy;
  if (connect.hostLock !== undefined) options.hostLock = connect.hostLock;
  if (connect.onNotice !== undefined) options.onNotice = connect.onNotice;
  if (connect.onDebug !== undefined) options.onDebug = connect.onDebug;
  // 22 is the inventory's default, so it must not hide a Port from ~/.ssh/config.
  if (spec.port !== 22) options.port = spec.port;
  if (spec.user !== undefined) options.user = spec.user;
  if (spec.privateKeyFile !== undefined) options.privateKeyFile = spec.privateKeyFile;
  if (spec.password !== undefined) options.password = spec.password;
  if (spec.becomePassword !== undefined) options.becomePassword = spec.becomePassword;
  if (spec.becomeMethod !== undefined) options.becomeMethod = spec.becomeMethod;
  if (spec.knownHostsFile !== undefined) options.knownHostsFile = spec.knownHostsFile;
  if (spec.proxyJump !== undefined) options.proxyJump = spec.proxyJump;
  return connectSsh(options);
}
