import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

interface LockOwner {
  pid: number;
  since: number;
}

/** Longer than any real build; a lock this old belongs to a build that will never finish. */
const STALE_AFTER_MS = 30 * 60_000;

/**
 * An inter-process lock: a directory (mkdir is atomic) holding the owner's pid and start time.
 * Taken over when the owner is dead or the lock is older than any real build, so a crashed
 * build never blocks the next run.
 */
export async function withLock<T>(lockDir: string, onWait: () => void, work: () => Promise<T>): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(lockDir)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!announced) onWait();
      announced = true;
      await sleep(1000);
    }
  }
  const owner: LockOwner = { pid: process.pid, since: Date.now() };
  await writeFile(join(lockDir, 'owner.json'), JSON.stringify(owner));
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function isStale(lockDir: string): Promise<boolean> {
  let owner: LockOwner;
  try {
    owner = JSON.parse(await readFile(join(lockDir, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    // The owner may be between mkdir and writeFile; only a lock left like that for long is stale.
    return (await ageOf(lockDir)) > 60_000;
  }
  return !isAlive(owner.pid) || Date.now() - owner.since > STALE_AFTER_MS;
}

async function ageOf(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
