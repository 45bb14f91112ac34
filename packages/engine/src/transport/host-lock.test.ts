import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostLockPrelude, leaseProgram, parseHostLockReply, type HostLockRequest } from './host-lock.js';
import { newMarker } from './framing.js';
import { sessionBootstrap } from './ssh/shell-session.js';

/**
 * The lock prelude run by the local /bin/sh against a temp lock file, inside the same bootstrap the
 * lock's SSH session runs: the process's stdin stands in for the SSH channel, and the lease loop
 * the shell becomes reads heartbeats from it.
 */
const dir = mkdtempSync(join(tmpdir(), 'meshbook-lock-'));
const path = join(dir, 'meshbook.lock');
const children: ChildProcess[] = [];

function request(runId: string, waitMs = 0, leaseMs?: number): HostLockRequest {
  return { runId, holder: `controller=test pid=${runId} started=now`, waitMs, ...(leaseMs === undefined ? {} : { leaseMs }) };
}

interface SessionOptions {
  lockPath?: string;
  /** Run under a parent shell of its own, to lose. */
  parent?: boolean;
  /** PATH for the session (a host without bash). */
  pathEnv?: string;
}

/** `/bin/sh -c BOOTSTRAP`, or `/bin/sh -c 'sh -c BOOTSTRAP; :'` so that the kept shell has a parent of its own to lose. */
function spawnSession(req: HostLockRequest, options: SessionOptions = {}) {
  const ready = newMarker('MBREADY');
  const bootstrap = sessionBootstrap(ready, hostLockPrelude(req, options.lockPath ?? path), leaseProgram(req));
  const args = options.parent ? ['-c', '/bin/sh -c "$1"; :', 'parent', bootstrap] : ['-c', bootstrap];
  const env = options.pathEnv === undefined ? process.env : { ...process.env, PATH: options.pathEnv };
  const child = spawn('/bin/sh', args, { stdio: ['pipe', 'pipe', 'inherit'], env });
  children.push(child);
  return { child, ready };
}

/** Starts a session; resolves with the lock's reply once the ready line is in (the shell is kept). */
function lock(req: HostLockRequest, options: SessionOptions = {}): Promise<{ reply: ReturnType<typeof parseHostLockReply>; child: ChildProcess }> {
  const { child, ready } = spawnSession(req, options);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const at = out.indexOf(ready);
      if (at >= 0 && out.indexOf('\n', at) > 0) resolve({ reply: parseHostLockReply(out.slice(0, at)), child });
    });
    child.on('exit', () => setTimeout(() => reject(new Error(`exited before the ready line: ${out}`)), 50));
  });
}

/** Kills a test's own stray by its exact, unlikely command line (no other process's). */
const killStray = (args: string) => new Promise<void>((resolve) => spawn('pkill', ['-xf', args]).on('exit', () => resolve()));

const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

// Each test spawns shells and waits out leases of seconds: 6 s on a loaded CI machine, too near the
// unit project's 10 s. Against the 1 s lease heartbeats come every 100 ms, so a loaded machine must
// stall one for most of the lease before it runs out by chance.
const HEARTBEAT_MS = 100;

describe('host lock prelude and lease loop', { timeout: 60_000 }, () => {
  it('holds the lock while the shell lives, records the holder, and frees it at EOF', async () => {
    const first = await lock(request('aaaa'));
    expect(first.reply).toEqual({ state: 'held' });
    expect(readFileSync(path, 'utf8')).toBe('controller=test pid=aaaa started=now\n');

    const second = await lock(request('bbbb', 0));
    expect(second.reply).toEqual({ state: 'busy', holder: 'controller=test pid=aaaa started=now' });

    first.child.stdin!.end(); // the connection going away
    await exited(first.child);
    const third = await lock(request('cccc', 0));
    expect(third.reply).toEqual({ state: 'held' });
  });

  it('waits up to the wait time for a lock that is freed meanwhile', async () => {
    const first = await lock(request('dddd'));
    // A wait far past vitest's timeout: only the release ends it, and it ends held.
    const waiting = lock(request('eeee', 600_000));
    setTimeout(() => first.child.stdin!.end(), 400);
    expect((await waiting).reply).toEqual({ state: 'held' });
  });

  it('lets a second connection of the same run share the lock', async () => {
    // A wait: the previous test's holder may still be dying (afterEach's SIGKILL is asynchronous).
    expect((await lock(request('ffff', 3000))).reply).toEqual({ state: 'held' });
    const same = await lock(request('ffff', 5000));
    expect(same.reply).toEqual({ state: 'shared' });
  });

  it('decides "shared" by the flock, not the file: a lock file naming this run, held by another, is busy (issue 19, item 3)', async () => {
    expect((await lock(request('llll', 3000))).reply).toEqual({ state: 'held' });
    // Anyone able to write the file could make it name any run.
    writeFileSync(path, 'run=mmmm controller=stale\n');
    const other = await lock(request('mmmm', 0));
    expect(other.reply).toEqual({ state: 'busy', holder: 'run=mmmm controller=stale'.replace(/^run=\S+\s*/, '') });
  });

  it('goes on unlocked, saying why, when the lock file cannot be opened', async () => {
    // The directory exists, but nothing can be created in it.
    const unlocked = await lock(request('gggg'), { lockPath: '/proc/1/meshbook.lock' });
    expect(unlocked.reply).toEqual({ state: 'unsupported', reason: 'cannot open /proc/1/meshbook.lock' });
  });

  it('ends its lease when no heartbeat comes, freeing the lock; heartbeats keep it (issue 19, item 3)', async () => {
    const kept = await lock(request('nnnn', 0, 1000));
    const beat = setInterval(() => kept.child.stdin!.write('.'), HEARTBEAT_MS);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(kept.child.exitCode).toBeNull();
      expect((await lock(request('oooo', 0))).reply).toMatchObject({ state: 'busy' });
    } finally {
      clearInterval(beat);
    }
    // Silence: the lease (1 s) runs out and the lock goes, although the connection (stdin) is open.
    // stdin stays open: only the lease ending makes the holder exit (vitest's timeout bounds the wait).
    await exited(kept.child);
    expect((await lock(request('pppp', 0))).reply).toEqual({ state: 'held' });
  });

  it('waits for heartbeats in one process where bash is installed: no process per heartbeat', async () => {
    // A long lease: only the number of processes is tested here, not the lease.
    const kept = await lock(request('qqqq', 3000, 10_000));
    expect(kept.reply).toEqual({ state: 'held' });
    const pid = kept.child.pid!;
    const beat = setInterval(() => kept.child.stdin!.write('.'), 200);
    try {
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        // The shell exec'd (through setpriv) into bash, which reads the heartbeats itself.
        expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('bash');
        expect(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()).toBe('');
      }
      expect((await lock(request('rrrr', 0))).reply).toMatchObject({ state: 'busy' });
    } finally {
      clearInterval(beat);
    }
    kept.child.stdin!.end();
    await exited(kept.child);
    expect((await lock(request('ssss', 0))).reply).toEqual({ state: 'held' });
  });

  it('keeps the same lease with a POSIX shell where bash is missing: beats keep it, silence and EOF end it', async () => {
    // A PATH with every tool the prelude and the POSIX loop use, and no bash.
    const bin = join(dir, 'bin-without-bash');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['flock', 'setpriv', 'true', 'find', 'cut', 'sort', 'tr', 'grep', 'head', 'sleep', 'date', 'timeout']) {
      const from = execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      if (!existsSync(join(bin, tool))) symlinkSync(from, join(bin, tool));
    }
    const kept = await lock(request('tttt', 3000, 2000), { pathEnv: bin });
    expect(kept.reply).toEqual({ state: 'held' });
    const pid = kept.child.pid!;
    const beat = setInterval(() => kept.child.stdin!.write('.'), 300);
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).not.toBe('bash');
      expect(kept.child.exitCode).toBeNull();
      expect((await lock(request('uuuu', 0), { pathEnv: bin })).reply).toMatchObject({ state: 'busy' });
    } finally {
      clearInterval(beat);
    }
    await exited(kept.child);
    expect((await lock(request('vvvv', 0), { pathEnv: bin })).reply).toEqual({ state: 'held' });
  });

  it('frees the lock when the shell loses its parent (sshd gone), whatever its lease loop is doing', async () => {
    const holder = await lock(request('jjjj'), { parent: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    holder.child.kill('SIGKILL'); // the parent: setpriv's parent-death signal kills the lease loop's shell
    expect((await lock(request('kkkk', 3000))).reply).toEqual({ state: 'held' });
  });

  it('parses replies only once the line is complete', () => {
    expect(parseHostLockReply('MBLOCK unsupported cannot open /x\n')).toEqual({ state: 'unsupported', reason: 'cannot open /x' });
    expect(parseHostLockReply('MBLOCK he')).toBeUndefined();
    expect(parseHostLockReply('MBLOCK held\n')).toEqual({ state: 'held' });
    expect(parseHostLockReply('MBLOCK busy \n')).toEqual({ state: 'busy', holder: 'unknown (the lock file names no holder)' });
    expect(parseHostLockReply('MBLOCK error cannot open /x\n')).toEqual({ state: 'error', message: 'cannot open /x' });
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

describe('hostLockedError', () => {
  it('shows the holder text escaped: a lock file cannot drive the terminal (issue 19, item 14)', async () => {
    const { hostLockedError } = await import('./host-lock.js');
    const error = hostLockedError('node1', 'controller=x\u001b]0;owned\u0007\npid=1', 1000);
    expect(error.message).toContain('controller=x\\x1b]0;owned\\x07\\x0apid=1');
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
  });
});
