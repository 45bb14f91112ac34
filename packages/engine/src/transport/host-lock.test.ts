import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostLockScript, parseHostLockReply, type HostLockRequest } from './host-lock.js';

/**
 * The lock script run by the local /bin/sh against a temp lock file: the same script the SSH
 * transport sends, with the process's stdin standing in for the SSH channel.
 */
const dir = mkdtempSync(join(tmpdir(), 'meshbook-lock-'));
const path = join(dir, 'meshbook.lock');
const children: ChildProcess[] = [];

function request(runId: string, waitMs = 0): HostLockRequest {
  return { runId, holder: `controller=test pid=${runId} started=now`, waitMs };
}

/** Starts the script; resolves with its reply once the MBLOCK line is in. */
function lock(req: HostLockRequest): Promise<{ reply: ReturnType<typeof parseHostLockReply>; child: ChildProcess }> {
  const child = spawn('/bin/sh', ['-c', hostLockScript(req, path)], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const reply = parseHostLockReply(out);
      if (reply) resolve({ reply, child });
    });
    child.on('exit', () => setTimeout(() => reject(new Error(`exited without a reply: ${out}`)), 50));
  });
}

const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('host lock script', () => {
  it('holds the lock while its stdin is open, records the holder, and frees it at EOF', async () => {
    const first = await lock(request('aaaa'));
    expect(first.reply).toEqual({ state: 'held' });
    expect(readFileSync(path, 'utf8')).toBe('run=aaaa controller=test pid=aaaa started=now\n');

    const second = await lock(request('bbbb', 0));
    expect(second.reply).toEqual({ state: 'busy', holder: 'controller=test pid=aaaa started=now' });

    first.child.stdin!.end(); // the connection going away
    await exited(first.child);
    const third = await lock(request('cccc', 0));
    expect(third.reply).toEqual({ state: 'held' });
  });

  it('waits up to the wait time for a lock that is freed meanwhile', async () => {
    const first = await lock(request('dddd'));
    const waiting = lock(request('eeee', 5000));
    setTimeout(() => first.child.stdin!.end(), 400);
    const started = Date.now();
    expect((await waiting).reply).toEqual({ state: 'held' });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('lets a second connection of the same run share the lock', async () => {
    await lock(request('ffff'));
    const same = await lock(request('ffff', 5000));
    expect(same.reply).toEqual({ state: 'shared' });
  });

  it('goes on unlocked, saying why, when the lock file cannot be opened', async () => {
    // The directory exists, but nothing can be created in it.
    const child = spawn('/bin/sh', ['-c', hostLockScript(request('gggg'), '/proc/1/meshbook.lock')], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    expect(await exited(child)).toBe(0);
    expect(parseHostLockReply(out)).toEqual({ state: 'unsupported', reason: 'cannot open /proc/1/meshbook.lock' });
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
