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

/**
 * python3 on the host: watches DIR (argv 1) with inotify, tells it watches by creating READY (argv
 * 4), then prints `created MODE OWNER NAME` for each file made whose name starts with PREFIX (argv
 * 2), `moved-from NAME COOKIE` for each such file renamed, and ends at `moved-to TARGET COOKIE`
 * (argv 3). A rename's two halves carry the same cookie.
 */
const WATCH_CREATES_AND_RENAMES = `
import ctypes, os, pwd, struct, sys
directory, prefix, target, ready = sys.argv[1:5]
IN_CREATE, IN_MOVED_FROM, IN_MOVED_TO = 0x100, 0x40, 0x80
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init()
if fd < 0 or libc.inotify_add_watch(fd, directory.encode(), IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO) < 0:
    sys.exit('inotify: errno %d' % ctypes.get_errno())
open(ready, 'w').close()
while True:
    events = os.read(fd, 65536)
    at = 0
    while at < len(events):
        wd, mask, cookie, size = struct.unpack_from('iIII', events, at)
        name = events[at + 16:at + 16 + size].rstrip(b'\\0').decode()
        at += 16 + size
        if mask & IN_CREATE and name.startswith(prefix):
            st = os.stat(os.path.join(directory, name))
            print('created %o %s %s' % (st.st_mode & 0o777, pwd.getpwuid(st.st_uid).pw_name, name), flush=True)
        elif mask & IN_MOVED_FROM and name.startswith(prefix):
            print('moved-from %s %d' % (name, cookie), flush=True)
        elif mask & IN_MOVED_TO and name == target:
            print('moved-to %s %d' % (name, cookie), flush=True)
            sys.exit(0)
`;

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
    // inotify on the host (docker exec) sees every file made in /root and every rename there, so
    // the put's temp file is seen however short or late it is: no polling window to miss.
    await onHost(fleet(), 'node2', 'rm -f /run/mb-watching');
    const watch = fleet().exec('node2', ['timeout', '600', 'python3', '-c', WATCH_CREATES_AND_RENAMES, '/root', '.big.bin.meshbook-', 'big.bin', '/run/mb-watching']);
    while ((await onHost(fleet(), 'node2', 'test -e /run/mb-watching && echo watching || true')) !== 'watching\n') await sleep(100);
    const run = await runPlaybook('write-file.ts', await writeInventory(fleet(), workDir(), { hosts: ['node2'] }), ['-e', `src=${bigFile}`, '-e', 'dest=/root/big.bin']);
    expectExit(run, 0);
    const seen = await watch;
    expect(seen.exitCode, seen.stderr).toBe(0);
    const [created, movedFrom, movedTo] = seen.stdout.trim().split('\n');
    expect(created).toMatch(/^created 600 root \.big\.bin\.meshbook-[0-9a-f]{12}$/);
    const temp = created!.split(' ').pop();
    const cookie = /^moved-from (\S+) (\d+)$/.exec(movedFrom ?? '');
    expect(cookie?.[1], seen.stdout).toBe(temp);
    expect(movedTo).toBe(`moved-to big.bin ${cookie?.[2]}`);
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
