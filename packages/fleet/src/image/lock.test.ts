import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withLock } from './lock.js';

describe('withLock', () => {
  let dir: string;
  let lockDir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshbook-lock-'));
    lockDir = join(dir, 'build.lock');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs holders one at a time and tells the waiter it waits', async () => {
    const events: string[] = [];
    let waited = false;
    const holder = (name: string) =>
      withLock(lockDir, () => (waited = true), async () => {
        events.push(`${name} in`);
        await sleep(50);
        events.push(`${name} out`);
      });
    await Promise.all([holder('a'), holder('b')]);
    // Either may win the race for the lock; what matters is that the two never overlap.
    const first = events[0]!.split(' ')[0];
    const second = first === 'a' ? 'b' : 'a';
    expect(events).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    expect(waited).toBe(true);
  });

  it('releases the lock when the work throws', async () => {
    await expect(withLock(lockDir, () => {}, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withLock(lockDir, () => {}, async () => 'next')).resolves.toBe('next');
  });

  it('takes over a lock whose owner process is gone', async () => {
    await mkdir(lockDir);
    // pid 2^22 + 1 is above Linux's pid_max: no process can have it
    await writeFile(join(lockDir, 'owner.json'), JSON.stringify({ pid: 4_194_305, since: Date.now() }));
    let waited = false;
    await expect(withLock(lockDir, () => (waited = true), async () => 'mine')).resolves.toBe('mine');
    expect(waited).toBe(false);
  });
});
