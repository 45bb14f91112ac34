import type { SshTransport, SshTransportOptions } from './ssh/index.js';

/**
 * Connects over SSH. ssh2 is loaded on first use (~75 ms to import), so importing the engine
 * stays cheap for programs that never open a connection.
 */
export async function connectSsh(options: SshTransportOptions): Promise<SshTransport> {
  const ssh = await import('./ssh/index.js');
  return ssh.connectSsh(options);
}
