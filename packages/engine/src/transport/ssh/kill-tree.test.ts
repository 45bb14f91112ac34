import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameParser, frameCommand } from '../framing.js';
import { KILL_REQUEST, newCommandTag, watchedScript } from './kill-tree.js';

/**
 * The watched script run by the local /bin/sh as a kept shell: the process's stdin stands in for
 * the SSH channel. `setsid` puts the shell in a session of its own, as sshd does.
 */
const shells: ChildProcess[] = [];
afterEach(() => {
  for (const shell of shells.splice(0)) shell.kill('SIGKILL');
});

function keptShell(): { shell: ChildProcess; output: () => string } {
  const shell = spawn('setsid', ['/bin/sh'], { stdio: ['pipe', 'pipe', 'pipe'] });
  shells.push(shell);
  let out = '';
  shell.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { shell, output: () => out };
}

function running(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', pattern]).toString().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Generous: the machine may be shared and loaded; a hang still ends the test. */
async function until(label: string, what: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const unique = () => `${1000 + Math.floor(Math.random() * 8000)}.${randomBytes(2).readUInt16BE(0)}`;

describe('a kept shell kills its command through its own stdin (issue 19, item 9)', { timeout: 90_000 }, () => {
  it('kills a command and the daemons it left (setsid, double fork) on one newline, the shell too', async () => {
    const [a, b, c] = [unique(), unique(), unique()];
    const { shell } = keptShell();
    const framed = frameCommand({ command: `setsid sleep ${a} & (setsid sh -c 'sleep ${b} & :' &); sleep ${c}` });
    shell.stdin!.write(watchedScript([framed], newCommandTag(), true));
    await until('all three running', () => running(`sleep ${a}`).length + running(`sleep ${b}`).length + running(`sleep ${c}`).length === 3);
    const exited = new Promise((resolve) => shell.once('exit', resolve));
    shell.stdin!.write(KILL_REQUEST);
    await exited;
    await until('none left', () => running(`sleep ${a}`).length + running(`sleep ${b}`).length + running(`sleep ${c}`).length === 0);
  });

  it('a command that ended first: its watcher is gone, a late request is an empty line, and the shell runs on', async () => {
    const { shell, output } = keptShell();
    const first = frameCommand({ command: 'echo one' });
    const parser = new FrameParser([first.marker]);
    shell.stdout!.on('data', (chunk: Buffer) => parser.pushStdout(chunk));
    shell.stderr!.on('data', (chunk: Buffer) => parser.pushStderr(chunk));
    shell.stdin!.write(watchedScript([first], newCommandTag(), true));
    await until('the first command done', () => parser.done);
    expect(parser.results()[0]).toMatchObject({ exitCode: 0 });
    expect(parser.results()[0]!.stdout.toString()).toBe('one\n');
    shell.stdin!.write(KILL_REQUEST);
    const second = frameCommand({ command: 'echo two; exit 3' });
    shell.stdin!.write(watchedScript([second], newCommandTag(), false));
    await until('the second command done', () => output().includes(`${second.marker} 3`));
    expect(shell.exitCode).toBeNull();
  });

  it('the command reads neither the session stdin nor its copy: a command reading fd 0 or fd 8 does not eat a kill request', async () => {
    const { shell } = keptShell();
    const c = unique();
    const framed = frameCommand({ command: `cat; cat <&8; sleep ${c}` });
    shell.stdin!.write(watchedScript([framed], newCommandTag(), true));
    await until('running', () => running(`sleep ${c}`).length === 1);
    const exited = new Promise((resolve) => shell.once('exit', resolve));
    shell.stdin!.write(KILL_REQUEST);
    await exited;
    await until('none left', () => running(`sleep ${c}`).length === 0);
  });
  it('one watcher for a batch: a kill request during its second command ends the session, the third never runs', async () => {
    const { shell, output } = keptShell();
    const c = unique();
    const frames = [frameCommand({ command: 'echo one' }), frameCommand({ command: `sleep ${c}` }), frameCommand({ command: 'echo three' })];
    shell.stdin!.write(watchedScript(frames, newCommandTag(), true));
    await until('the second command running', () => running(`sleep ${c}`).length === 1);
    await until('the first end line', () => output().includes(`${frames[0]!.marker} 0`));
    const exited = new Promise((resolve) => shell.once('exit', resolve));
    shell.stdin!.write(KILL_REQUEST);
    await exited;
    await until('none left', () => running(`sleep ${c}`).length === 0);
    expect(output()).not.toContain('three');
  });

  it('a batch that ended: no watcher is left, a late request is an empty line, and the shell runs on', async () => {
    const { shell, output } = keptShell();
    const frames = [frameCommand({ command: 'echo one' }), frameCommand({ command: 'echo two' })];
    shell.stdin!.write(watchedScript(frames, newCommandTag(), true));
    await until('the batch done', () => output().includes(`${frames[1]!.marker} 0`));
    shell.stdin!.write(KILL_REQUEST);
    const next = frameCommand({ command: 'echo three' });
    shell.stdin!.write(watchedScript([next], newCommandTag(), false));
    await until('the next command done', () => output().includes(`${next.marker} 0`));
    expect(shell.exitCode).toBeNull();
  });
});
