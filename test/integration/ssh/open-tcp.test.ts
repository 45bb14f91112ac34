import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Duplex } from 'node:stream';
import { MeshbookError } from '@meshbook/engine';
import { connectSsh, type SshTransport } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';

/** First bytes a stream sends, or what it answers to `send`. */
function read(stream: Duplex, send?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (d: Buffer) => {
      text += d.toString();
      if (/only-on-loopback|^SSH-[^\n]*\n/.test(text)) resolve(text);
    });
    stream.on('error', reject);
    stream.on('close', () => resolve(text));
    if (send) stream.write(send);
  });
}

describe('Transport.openTcp: a TCP connection from the host (SSH direct-tcpip)', () => {
  const fleet = useFleet({ hosts: 1 });
  let ssh: SshTransport;
  beforeAll(async () => {
    ssh = await connectSsh(fleetSshOptions(fleet(), 'node1'));
  });
  afterAll(async () => {
    await ssh?.close();
  });

  it("reaches a service that listens only on the host's loopback", async () => {
    await fleet().exec('node1', ['sh', '-c', 'mkdir -p /srv/lo && echo only-on-loopback > /srv/lo/index.html && systemd-run --unit lo-http python3 -m http.server 7070 --bind 127.0.0.1 --directory /srv/lo']);
    const started = await fleet().exec('node1', ['sh', '-c', 'for i in $(seq 50); do ss -ltn | grep -q 127.0.0.1:7070 && break; sleep 0.1; done; ss -ltn | grep -c 127.0.0.1:7070']);
    expect(started.stdout.trim(), started.stderr).toBe('1');
    const stream = await ssh.openTcp('127.0.0.1', 7070);
    expect(await read(stream, 'GET / HTTP/1.0\r\n\r\n')).toContain('only-on-loopback');
    stream.destroy();
  });

  it('names resolve on the host: its own sshd answers by "localhost"', async () => {
    const stream = await ssh.openTcp('localhost', 22);
    expect(await read(stream)).toMatch(/^SSH-2\.0-OpenSSH/);
    stream.destroy();
  });

  it('a port nothing listens on is UNREACHABLE naming the host and the target', async () => {
    const error = await ssh.openTcp('127.0.0.1', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).code).toBe('UNREACHABLE');
    expect((error as MeshbookError).message).toMatch(/^node1 cannot connect to 127\.0\.0\.1:1: /);
  });

  it('a closed transport opens no forward', async () => {
    const other = await connectSsh(fleetSshOptions(fleet(), 'node1'));
    await other.openTcp('localhost', 22);
    await other.close();
    await expect(other.openTcp('localhost', 22)).rejects.toThrow(/closed/);
  });
});
