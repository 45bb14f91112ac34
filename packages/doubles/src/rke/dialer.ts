import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { Client, type ClientChannel } from 'ssh2';
import type { RkeNode } from './cluster-config.js';

export class RkeHostError extends Error {}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

const expandHome = (path: string): string => (path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path);

/** What every value needs to reach `sh -c` as one word. */
export const shQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** OpenSSH's channel open failure reasons (RFC 4254 §5.1), worded as Go's ssh package words them. */
const OPEN_FAILURE: Record<number, string> = { 1: 'administratively prohibited', 2: 'connect failed', 3: 'unknown channel type', 4: 'resource shortage' };

/**
 * One SSH connection to a node, as RKE's dialer makes it: the key the node (or the cluster) names
 * and the node's user. RKE v1 does not check host keys (its dialer uses ssh.InsecureIgnoreHostKey);
 * the double does the same, so it is only ever pointed at the lab's own hosts.
 */
export class NodeConnection {
  private constructor(private readonly client: Client, readonly node: RkeNode) {}

  static async open(node: RkeNode): Promise<NodeConnection> {
    const where = `${node.address}:${node.port}`;
    let privateKey: string;
    try {
      privateKey = node.sshKey !== '' ? node.sshKey : readFileSync(expandHome(node.sshKeyPath), 'utf8');
    } catch (error) {
      throw new RkeHostError(`Failed to dial ssh using address [${where}]: Error configuring SSH: ${(error as Error).message}`);
    }
    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (error) => reject(new RkeHostError(`Failed to dial ssh using address [${where}]: ${error.message}`)));
      client.connect({ host: node.address, port: node.port, username: node.user, privateKey, readyTimeout: 30_000, hostVerifier: () => true });
    });
    return new NodeConnection(client, node);
  }

  close(): void {
    this.client.end();
  }

  /** A command through the node's shell; stdin is written and closed. */
  exec(command: string, stdin?: Buffer | string): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel: ClientChannel) => {
        if (error) return reject(new RkeHostError(`[${this.node.address}] ${error.message}`));
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        channel.on('data', (d: Buffer) => out.push(d));
        channel.stderr.on('data', (d: Buffer) => err.push(d));
        channel.on('close', (code: number | null) => resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? 255 }));
        channel.end(stdin);
      });
    });
  }

  /**
   * RKE's Docker check: Docker's API through the node's socket, tunnelled over SSH as the node's
   * user (so a user outside the `docker` group is refused by the socket's permissions).
   */
  async dockerInfo(): Promise<{ ServerVersion?: string; Name?: string }> {
    const socket = this.node.dockerSocket;
    const url = `http://${encodeURIComponent(socket)}/v1.24/info`;
    const fail = (why: string) => new RkeHostError(
      `Failed to set up SSH tunneling for host [${this.node.address}]: Can't retrieve Docker Info: error during connect: Get "${url}": ${why}\n`
      + 'Please check if the configured user can execute `docker ps` on the node, and if the SSH server version is at least version 6.7 or higher. '
      + "If you are using RedHat/CentOS, you can't use the user `root`. Please refer to the documentation for more instructions.",
    );
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      this.client.openssh_forwardOutStreamLocal(socket, (error, stream) => {
        if (error) {
          const reason = OPEN_FAILURE[(error as { reason?: number }).reason ?? 0] ?? 'open failed';
          return reject(fail(`Failed to dial to ${socket}: ssh: rejected: ${reason} (open failed)`));
        }
        resolve(stream);
      });
    });
    const response = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      channel.on('data', (d: Buffer) => chunks.push(d));
      channel.on('close', () => resolve(Buffer.concat(chunks).toString()));
      channel.end('GET /v1.24/info HTTP/1.0\r\nHost: docker\r\n\r\n');
    });
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1];
    if (status !== '200') throw fail(`unexpected response from the Docker daemon: ${response.split('\r\n')[0] || '(none)'}`);
    try {
      return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { ServerVersion?: string };
    } catch {
      throw fail('the Docker daemon answered with something that is not JSON');
    }
  }
}
