import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MeshbookError } from '../errors.js';
import { LocalTransport } from './local.js';

describe('LocalTransport.openTcp', () => {
  it('connects from the controller, and a closed port is UNREACHABLE naming the target', async () => {
    const server = createServer((socket) => socket.end('hello\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const local = new LocalTransport();
    try {
      const stream = await local.openTcp('127.0.0.1', port);
      const text = await new Promise<string>((resolve) => {
        let got = '';
        stream.on('data', (d: Buffer) => (got += d.toString()));
        stream.on('end', () => resolve(got));
      });
      expect(text).toBe('hello\n');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const error = await local.openTcp('127.0.0.1', port).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).code).toBe('UNREACHABLE');
    expect((error as MeshbookError).message).toContain(`localhost cannot connect to 127.0.0.1:${port}`);
  });
});
