import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFleet } from '../support/fleet.js';
import { expectExit, onHost, resultsOf, runPlaybook, sleep, startPlaybook, useWorkDir, writeInventory } from './harness.js';

/**
 * Issue 8, cases 6 and 7, and "temp files 0600 in the destination directory": a write that cannot
 * complete leaves the destination as it was and no temp file behind.
 */
const fleet = useFleet({ hosts: 2, smallDiskHost: ['node1'] });
const workDir = useWorkDir();
let bigFile = '';

beforeAll(async () => {
  // Larger than the 8 MB /mnt/small, and large enough that an upload takes a while.
  bigFile = join(workDir(), 'big.bin');
  await writeFile(bigFile, randomBytes(48 * 1024 * 1024));
});

const tempFiles = (host: string, dir: string) => onHost(fleet(), host, `ls -A ${dir} | grep -F .meshbook- || true`);

describe('writes that cannot complete', () => {
  it('6. disk full while writing: a clear error, the destination unchanged, no temp file, the space given back', async () => {
    await onHost(fleet(), 'node1', `printf 'original\\n' > /mnt/small/config`);
    const run = await runPlaybook('write-file.ts', await writeInventory(fleet(), workDir(), { hosts: ['node1'] }), ['-e', `src=${bigFile}`, '-e', 'dest=/mnt/small/config']);
    expectExit(run, 2);
    const write = resultsOf(run, 'write')['node1']!;
    expect(write.status).toBe('failed');
    expect(write.error?.code).toBe('TRANSFER_FAILED');
    expect(write.error?.message).toMatch(/\/mnt\/small\/config/);
    expect(write.error?.message).toMatch(/No space left on device|cannot create the temporary file/);
    expect(await onHost(fleet(), 'node1', 'cat /mnt/small/config')).toBe('original\n');
    expect(await tempFiles('node1', '/mnt/small')).toBe('');
    // Only the 9-byte original is left on the 8 MB tmpfs.
    expect(Number(await onHost(fleet(), 'node1', `df -k --output=used /mnt/small | tail -1`))).toBeLessThan(100);
    expect(resultsOf(run, 'after write')['node1']).toBeUndefined();
  });

  it('temp files are 0600, owned by the login user, in the destination directory, and renamed into place', async () => {
    // Watches from inside the host (docker exec), every 5 ms, for the put's temp file.
    const watch = onHost(
      fleet(),
      'node2',
      `for i in $(seq 1 4000); do for f in /root/.big.bin.meshbook-*; do [ -e "$f" ] && { stat -c '%a %U %n' "$f"; exit 0; }; done; sleep 0.005; done; echo none`,
    );
    await sleep(300);
    const run = await runPlaybook('write-file.ts', await writeInventory(fleet(), workDir(), { hosts: ['node2'] }), ['-e', `src=${bigFile}`, '-e', 'dest=/root/big.bin']);
    expectExit(run, 0);
    expect((await watch).trim()).toMatch(/^600 root \/root\/\.big\.bin\.meshbook-[0-9a-f]{12}$/);
    expect(await onHost(fleet(), 'node2', 'stat -c %a /root/big.bin')).toBe('640\n');
    expect(await tempFiles('node2', '/root')).toBe('');
  });

  it('7. the connection drops during an upload: the run reports the host unreachable, the destination is unchanged, no temp file', async () => {
    await onHost(fleet(), 'node2', `printf 'original\\n' > /root/dropped.conf`);
    const live = startPlaybook('write-file.ts', await writeInventory(fleet(), workDir(), { hosts: ['node2'] }), ['-e', `src=${bigFile}`, '-e', 'dest=/root/dropped.conf']);
    await live.waitFor((e) => e.type === 'task.start' && e.task === 'write');
    // Cut the link once the upload is well under way: 8 MB of it received by the host.
    const received = async () => Number(await onHost(fleet(), 'node2', `sed -n 's/^ *eth0: *\\([0-9]*\\).*/\\1/p' /proc/net/dev`));
    const start = await received();
    while ((await received()) - start < 8 * 1024 * 1024) await sleep(20);
    await fleet().disconnect('node2');
    try {
      // While the controller still waits: nothing of the upload has been written yet.
      await sleep(2000);
      expect(await onHost(fleet(), 'node2', 'cat /root/dropped.conf')).toBe('original\n');
      expect(await tempFiles('node2', '/root')).toBe('');
      // The SSH keepalive (3 x 10 s) notices the dead link.
      const run = await live.done;
      expectExit(run, 4);
      const write = resultsOf(run, 'write')['node2']!;
      expect(write.status).toBe('unreachable');
      expect(write.error?.code).toBe('UNREACHABLE');
      expect(write.error?.message).toMatch(/connection to node2 lost/);
      expect(resultsOf(run, 'after write')['node2']).toBeUndefined();
    } finally {
      await fleet().reconnect('node2');
    }
    // Once the host hears of the closed connection, whatever half script its shell had is dropped.
    await sleep(3000);
    expect(await onHost(fleet(), 'node2', 'cat /root/dropped.conf')).toBe('original\n');
    expect(await tempFiles('node2', '/root')).toBe('');
  }, 120_000);
});
