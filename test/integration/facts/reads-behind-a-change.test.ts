import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlaybook, sh, task, type CommandResult, type Task } from '@meshbook/engine';
import { fakeInventory } from '@meshbook/engine/testing';
import { copy, lineinfile } from '@meshbook/modules';
import { connectSsh, type SshTransport } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';

/**
 * Issue 21: a change and the re-read of the facts it made stale share one round trip (the read-only
 * commands ride behind the change's own command, run only when it exited 0). On a real host over
 * SSH: the later task plans from the state after the change; the trailer's reads never change the
 * command's own result, error or timeout.
 */
const fleet = useFleet({ hosts: 1 });
const H = 'node1';
const D = '/srv/turns';

describe('a change and the re-read of what it wrote, in one round trip', () => {
  const run = (tasks: Task[]) =>
    runPlaybook(
      { name: 'turns', plays: [{ name: 'turns', hosts: 'all', tasks }] },
      { inventory: fakeInventory({ [H]: {} }), connect: () => connectSsh(fleetSshOptions(fleet(), H)), hostLock: false },
    );
  const onHost = async (script: string) => (await fleet().exec(H, ['sh', '-c', script])).stdout;

  beforeAll(async () => {
    await onHost(`rm -rf ${D}; mkdir -p ${D}`);
  });

  it('a copy, then a second copy and a lineinfile of that file: both plan from the copied file', async () => {
    const file = `${D}/config`;
    const tasks = [
      task(copy, { dest: file, content: 'first\n', mode: '0644' }),
      // Reads the file the copy wrote: read behind the copy, it must see "first".
      task(copy, { dest: file, content: 'first\n', mode: '0644' }),
      task(lineinfile, { path: file, line: 'second' }),
    ];
    const first = await run(tasks);
    expect(first.hosts[H]).toMatchObject({ changed: 2, ok: 1, failed: 0 });
    expect(await onHost(`cat ${file}`)).toBe('first\nsecond\n');
    // The shell (no host lock here), the batch, the copy with the re-read behind it, the
    // lineinfile's own read (only the next task's stale facts ride behind a change), its write.
    expect(first.hosts[H]!.roundTrips).toBe(5);

    // Again on what the first run left: the first copy rewrites the file (it drops the line), the
    // second, read behind it, finds it done, and the lineinfile adds the line again.
    const again = await run(tasks);
    expect(again.hosts[H]).toMatchObject({ changed: 2, ok: 1, failed: 0 });
    expect(await onHost(`cat ${file}`)).toBe('first\nsecond\n');
  });

  describe('the SSH transport\'s trailer', () => {
    let transport: SshTransport;
    beforeAll(async () => {
      transport = await connectSsh(fleetSshOptions(fleet(), H));
    });
    afterAll(() => transport?.close());

    const trailing = (...commands: ReturnType<typeof sh>[]) => {
      let settled: CommandResult[] | undefined | 'never' = 'never';
      return { trailer: { commands, settle: (results: CommandResult[] | undefined) => (settled = results) }, settled: () => settled };
    };

    it('a put and the read of its file in one round trip, the read after the write', async () => {
      const { trailer, settled } = trailing(sh`cat -- ${`${D}/put`}`, sh`exit 4`);
      const before = transport.stats().roundTrips;
      await transport.put(`${D}/put`, 'written\n', { trailer });
      expect(transport.stats().roundTrips - before).toBe(1);
      const results = settled() as CommandResult[];
      expect(results.map((r) => [r.stdout, r.exitCode])).toEqual([
        ['written\n', 0],
        ['', 4],
      ]);
    });

    it('a failed put: the same error, and the reads never ran', async () => {
      const { trailer, settled } = trailing(sh`touch ${`${D}/read-ran`}`);
      await expect(transport.put(`${D}/missing/dir/file`, 'x', { trailer })).rejects.toMatchObject({ code: 'TRANSFER_FAILED' });
      expect(settled()).toBeUndefined();
      expect(await onHost(`test -e ${D}/read-ran && echo ran || echo not`)).toBe('not\n');
    });

    it('a command that exits non-zero: its own result, and the reads never ran', async () => {
      const { trailer, settled } = trailing(sh`touch ${`${D}/read-ran`}`);
      const result = await transport.run(sh`echo out; exit 3`, { trailer });
      expect([result.stdout, result.exitCode]).toEqual(['out\n', 3]);
      expect(settled()).toBeUndefined();
      expect(await onHost(`test -e ${D}/read-ran && echo ran || echo not`)).toBe('not\n');
    });

    it('a timeout that falls in the reads: the command\'s own result, the reads dropped, the next command runs', async () => {
      const { trailer, settled } = trailing(sh`sleep 300`);
      const started = Date.now();
      const result = await transport.run(sh`echo done`, { timeoutMs: 1500, trailer });
      expect([result.stdout, result.exitCode]).toEqual(['done\n', 0]);
      // Not a timing: it tells a run that dropped the reads from one that waited them out (300 s),
      // with room for any load.
      expect(Date.now() - started).toBeLessThan(150_000);
      expect(settled()).toBeUndefined();
      expect((await transport.run(sh`echo next`)).stdout).toBe('next\n');
    });
  });
});
