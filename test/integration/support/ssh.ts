import { readFile } from 'node:fs/promises';
import { Client } from 'ssh2';
import type { Fleet, FleetHost } from '@meshbook/fleet';

export interface SshResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/**
 * One command over a fresh SSH connection, with strict host key checking against the keys the
 * fleet recorded for that host. For tests of the fleet itself; engine tests use the engine's
 * transport instead.
 */
export async function sshRun(
  fleet: Fleet,
  host: FleetHost,
  command: string,
  opts: { user?: string; stdin?: string; readyTimeoutMs?: number; trustedKeys?: string[] } = {},
): Promise<SshResult> {
  const privateKey = await readFile(fleet.privateKeyPath);
  const trusted = new Set(opts.trustedKeys ?? host.knownHostsLines.map((line) => line.split(' ')[2]));
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () => {
        client.exec(command, (error, channel) => {
          if (error) return reject(error);
          let stdout = '';
          let stderr = '';
          channel.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          channel.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          channel.on('close', (exitCode: number | null) => {
            client.end();
            resolve({ stdout, stderr, exitCode });
          });
          channel.end(opts.stdin);
        });
      })
      .on('error', reject)
      .connect({
        host: host.address,
        port: host.port,
        username: opts.user ?? 'root',
        privateKey,
        readyTimeout: opts.readyTimeoutMs ?? 10_000,
        hostVerifier: (key: Buffer) => trusted.has(key.toString('base64')),
      });
  });
}
