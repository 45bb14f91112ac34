import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineFact, FactCache, sh } from '@meshbook/engine';
import { connectSsh, type SshTransport } from '../../../packages/engine/src/transport/ssh/index.js';
import { meshbook } from '../support/cli.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';
import { useWorkDir, writeInventory } from './harness.js';

/**
 * Issue 19, item 12: a batch of facts needs no writable /tmp. The batch is the transport's own
 * framing (one protocol for commands, batches and the facts probe): nothing is written on the host.
 */
const fleet = useFleet({ hosts: 1 });
const workDir = useWorkDir();
let transport: SshTransport;

const raw = defineFact<string, { stdout: string; stderr: string; exitCode: number }>({
  name: 'test.raw',
  command: (text) => ({ text, display: text }),
  parse: ({ stdout, stderr, exitCode }) => ({ stdout, stderr, exitCode }),
});

beforeAll(async () => {
  transport = await connectSsh(fleetSshOptions(fleet(), 'node1'));
});
afterAll(async () => {
  await transport?.close();
});

describe('a fact batch (issue 19, item 12)', () => {
  for (const [what, setup] of [
    ['read-only', 'mount -t tmpfs -o ro,size=1m tmpfs /tmp'],
    ['full', 'mount -t tmpfs -o size=64k tmpfs /tmp && (dd if=/dev/zero of=/tmp/fill bs=4k 2>/dev/null || true)'],
  ] as const) {
    it(`works with a ${what} /tmp, each result apart`, async () => {
      await fleet().exec('node1', ['sh', '-c', setup]);
      try {
        const facts = new FactCache(transport);
        const got = await facts.gather({
          one: raw('echo one; echo one-err >&2'),
          two: raw('printf two; exit 3'),
          three: raw(sh`cat /etc/hostname`.text),
        });
        expect(got.one).toEqual({ stdout: 'one\n', stderr: 'one-err\n', exitCode: 0 });
        expect(got.two).toEqual({ stdout: 'two', stderr: '', exitCode: 3 });
        expect(got.three).toEqual({ stdout: 'node1\n', stderr: '', exitCode: 0 });
        // `meshbook facts` is a batch too.
        const run = await meshbook(['facts', '-i', await writeInventory(fleet(), workDir())]);
        expect(run.exitCode, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout)).toMatchObject({ node1: { hostname: 'node1', os: { id: 'debian' }, arch: expect.any(String) } });
      } finally {
        await fleet().exec('node1', ['umount', '/tmp']);
      }
    });
  }
});
