import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.js';
import type { MeshbookEvent } from '@meshbook/engine';
import { testIo } from './__fixtures__/test-io.js';
import { main } from './main.js';

// A fixture's first load after an edit (or in a fresh clone) type-checks it, and the type-error case
// type-checks twice: CPU-bound work whose wall time grows with the machine's load (a full unit run
// shares the cores with its other files). Nothing here is timed: the timeout only ends a hang.
const FIRST_LOAD = { timeout: 300_000 };

// cwd is the fixture directory, so the playbook and inventory are given as relative paths.
const fixtures = fileURLToPath(new URL('./__fixtures__/tiny/', import.meta.url));

async function cli(argv: string[], io = testIo(fixtures)) {
  const code = await main(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

const outDir = () => mkdtempSync(join(tmpdir(), 'meshbook-cli-run-'));
const base = ['run', 'playbook.ts', '-i', 'hosts.yaml'];

describe('meshbook run: listings and validation (never connect)', FIRST_LOAD, () => {
  it('--syntax-check loads and validates, then exits 0', async () => {
    const { code, stdout, stderr } = await cli([...base, '--syntax-check', '-e', 'out_dir=/nonexistent']);
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.OK);
    expect(stdout).toContain('playbook: playbook.ts');
    expect(stdout).toContain('syntax ok: 2 play(s)');
  });

  it('--list-hosts shows each play with its hosts, narrowed by --limit', async () => {
    const { code, stdout } = await cli([...base, '--list-hosts', '-e', 'out_dir=/x']);
    expect(code).toBe(EXIT.OK);
    expect(stdout).toContain('  play #1 (web): mark web hosts\n    hosts (2):\n      web1\n      web2\n');
    expect(stdout).toContain('  play #2 (db): check db\n    hosts (1):\n      db1\n');
    const limited = await cli([...base, '--list-hosts', '--limit', 'web2', '-e', 'out_dir=/x']);
    expect(limited.stdout).toContain('hosts (1):\n      web2\n');
    expect(limited.stdout).toContain('hosts (0):');
  });

  it('--list-tasks applies --tags and --skip-tags', async () => {
    const all = await cli([...base, '--list-tasks', '-e', 'out_dir=/x']);
    expect(all.stdout).toContain('      gate\tTAGS: [gate]\n      write marker\tTAGS: [marker]\n');
    const tagged = await cli([...base, '--list-tasks', '--tags', 'marker,db', '-e', 'out_dir=/x']);
    expect(tagged.stdout).not.toContain('gate\tTAGS: [gate]');
    expect(tagged.stdout).toContain('write marker');
    expect(tagged.stdout).toContain('db gate');
    const skipped = await cli([...base, '--list-tasks', '--skip-tags', 'marker', '-e', 'out_dir=/x']);
    expect(skipped.stdout).not.toContain('write marker');
  });

  it('--list-hosts --list-tasks --json prints one JSON document', async () => {
    const { stdout } = await cli([...base, '--list-hosts', '--list-tasks', '--json', '-e', 'out_dir=/x']);
    const doc = JSON.parse(stdout);
    expect(doc.plays[0]).toEqual({
      name: 'mark web hosts',
      pattern: 'web',
      hosts: ['web1', 'web2'],
      tasks: [{ name: 'gate', tags: ['gate'] }, { name: 'write marker', tags: ['marker'] }],
    });
  });

  it('bad params are BAD_INPUT with the task path, before anything runs', async () => {
    const { code, stderr, stdout } = await cli(['run', 'bad-params.ts', '-i', 'hosts.yaml']);
    expect(code).toBe(EXIT.BAD_INPUT);
    expect(stderr).toMatch(/^error: /);
    expect(stderr).toContain('count');
    expect(stdout).toBe('');
  });

  it('a type error in the playbook is BAD_INPUT with file, line and column, also for --syntax-check', async () => {
    for (const extra of [['--syntax-check'], []]) {
      const { code, stderr, stdout } = await cli(['run', 'type-error.ts', '-i', 'hosts.yaml', ...extra]);
      expect(code).toBe(EXIT.BAD_INPUT);
      expect(stderr).toContain(`${join(fixtures, 'type-error.ts')}:4:7: error TS2322: Type 'string' is not assignable to type 'number'.`);
      expect(stdout).toBe('');
    }
  });

  it('a missing variable, a bad --limit and a missing inventory are BAD_INPUT', async () => {
    expect((await cli([...base, '--syntax-check'])).code).toBe(EXIT.BAD_INPUT); // out_dir missing
    const limit = await cli([...base, '--list-hosts', '--limit', 'nosuchhost', '-e', 'out_dir=/x']);
    expect(limit.code).toBe(EXIT.BAD_INPUT);
    expect(limit.stderr).toContain('nosuchhost');
    const inventory = await cli(['run', 'playbook.ts', '-i', 'missing.yaml']);
    expect(inventory.code).toBe(EXIT.BAD_INPUT);
  });

  it('a file that exports no playbook is BAD_INPUT naming the expected export', async () => {
    const { code, stderr } = await cli(['run', 'hosts.yaml', '-i', 'hosts.yaml']);
    expect(code).toBe(EXIT.BAD_INPUT);
    expect(stderr).toContain('hosts.yaml');
  });
});

describe('meshbook run on local hosts', FIRST_LOAD, () => {
  it('applies, reports changes and handlers, then converges on a second run', async () => {
    const dir = outDir();
    const first = await cli([...base, '-e', `out_dir=${dir}`]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(EXIT.OK);
    expect(first.stdout).toContain('TASK [write marker]');
    expect(first.stdout).toContain('changed: [web1]');
    expect(first.stdout).toContain('RUNNING HANDLER [announce]');
    expect(first.stdout).toMatch(/web1 : ok=\d+\s+changed=2/);
    expect(readFileSync(join(dir, 'web1.txt'), 'utf8')).toBe('hello web1\n');
    expect(existsSync(join(dir, 'web2.announced'))).toBe(true);

    const second = await cli([...base, '-e', `out_dir=${dir}`]);
    expect(second.code).toBe(EXIT.OK);
    expect(second.stdout).not.toContain('changed: [');
    expect(second.stdout).toMatch(/web1 : ok=\d+\s+changed=0/);
  });

  it('--check --diff shows the plan and changes nothing', async () => {
    const dir = outDir();
    const { code, stdout } = await cli([...base, '--check', '--diff', '-e', `out_dir=${dir}`]);
    expect(code).toBe(EXIT.OK);
    expect(stdout).toContain('CHECK MODE');
    expect(stdout).toContain(`  ~ write ${dir}/web1.txt`);
    expect(stdout).toContain('+hello web1');
    expect(existsSync(join(dir, 'web1.txt'))).toBe(false);
  });

  it('--check --detailed-exitcode exits CHANGES_PENDING while changes are pending, 0 once converged', async () => {
    const dir = outDir();
    const drift = await cli([...base, '--check', '--detailed-exitcode', '-e', `out_dir=${dir}`]);
    expect(drift.stderr).toBe('');
    expect(drift.code).toBe(EXIT.CHANGES_PENDING);
    expect(existsSync(join(dir, 'web1.txt'))).toBe(false);
    expect((await cli([...base, '-e', `out_dir=${dir}`])).code).toBe(EXIT.OK);
    expect((await cli([...base, '--check', '--detailed-exitcode', '-e', `out_dir=${dir}`])).code).toBe(EXIT.OK);
    // A failure still says failure.
    const failed = await cli([...base, '--check', '--detailed-exitcode', '-e', `out_dir=${outDir()}`, '-e', 'fail_on=web2']);
    expect(failed.code).toBe(EXIT.HOST_FAILED);
  });

  it('--detailed-exitcode without --check is bad input', async () => {
    const { code, stderr } = await cli([...base, '--detailed-exitcode', '-e', `out_dir=${outDir()}`]);
    expect(code).toBe(EXIT.BAD_INPUT);
    expect(stderr).toContain('needs --check');
  });

  it('a failed host exits HOST_FAILED with the message', async () => {
    const { code, stdout } = await cli([...base, '-e', `out_dir=${outDir()}`, '-e', 'fail_on=web2']);
    expect(code).toBe(EXIT.HOST_FAILED);
    expect(stdout).toContain('failed: [web2] => gate closed on web2');
    expect(stdout).toMatch(/web2 : ok=0\s+changed=0\s+unreachable=0\s+failed=1/);
  });

  it('--json prints exactly the events, one per line; --log-file writes them too', async () => {
    const dir = outDir();
    const logFile = join(dir, 'logs', 'run.log');
    const { code, stdout } = await cli([...base, '--json', '--log-file', logFile, '-e', `{"out_dir": "${dir}"}`]);
    expect(code).toBe(EXIT.OK);
    const events = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as MeshbookEvent);
    expect(events[0]?.type).toBe('run.start');
    expect(events.at(-1)).toMatchObject({ type: 'run.end', outcome: 'ok' });
    expect(events.filter((e) => e.type === 'host.result').length).toBeGreaterThanOrEqual(5);
    const logged = readFileSync(logFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(logged.map((l) => l.msg)).toContain('recap');
  });

  it('first Ctrl-C stops scheduling and exits INTERRUPTED; the next task never starts', async () => {
    const dir = outDir();
    const io = testIo(fixtures);
    const running = main([...base, '-e', `out_dir=${dir}`, '-e', 'sleep_seconds=1'], io);
    await waitFor(() => io.stdout.text.includes('TASK [gate]'));
    io.signals.emit('SIGINT');
    expect(await running).toBe(EXIT.INTERRUPTED);
    expect(io.stderr.text).toContain('SIGINT: stopping');
    expect(io.stdout.text).toContain('INTERRUPTED: SIGINT');
    expect(existsSync(join(dir, 'web1.txt'))).toBe(false);
    expect(io.signals.listenerCount('SIGINT')).toBe(0);
  });

  it('a closed stdout (EPIPE) is an interrupt: no next task, the recap on stderr, exit INTERRUPTED', async () => {
    const dir = outDir();
    const io = testIo(fixtures);
    const stdout = new ClosingStdout();
    const running = main([...base, '--json', '-e', `out_dir=${dir}`, '-e', 'sleep_seconds=1'], { ...io, stdout });
    await waitFor(() => stdout.text.includes('"task":"gate"'));
    stdout.close();
    expect(await running).toBe(EXIT.INTERRUPTED);
    expect(io.stderr.text).toContain('stdout closed: stopping');
    expect(io.stderr.text).toContain('PLAY RECAP');
    expect(io.stderr.text).toContain('INTERRUPTED: stdout closed');
    expect(existsSync(join(dir, 'web1.txt'))).toBe(false);
  });

  it('SIGHUP (the terminal closed) is an interrupt', async () => {
    const dir = outDir();
    const io = testIo(fixtures);
    const running = main([...base, '-e', `out_dir=${dir}`, '-e', 'sleep_seconds=1'], io);
    await waitFor(() => io.stdout.text.includes('TASK [gate]'));
    io.signals.emit('SIGHUP');
    expect(await running).toBe(EXIT.INTERRUPTED);
    expect(io.stdout.text).toContain('INTERRUPTED: SIGHUP');
    expect(existsSync(join(dir, 'web1.txt'))).toBe(false);
    expect(io.signals.listenerCount('SIGHUP')).toBe(0);
  });

  it('a second Ctrl-C returns INTERRUPTED at once', async () => {
    const io = testIo(fixtures);
    // The gate sleeps 600 s: only the second Ctrl-C can end the run within vitest's timeout.
    const running = main([...base, '-e', `out_dir=${outDir()}`, '-e', 'sleep_seconds=600'], io);
    await waitFor(() => io.stdout.text.includes('TASK [gate]'));
    io.signals.emit('SIGINT');
    io.signals.emit('SIGINT');
    expect(await running).toBe(EXIT.INTERRUPTED);
    expect(io.stderr.text).toContain('stopping now');
  });
});

/** stdout whose reader goes away on close(): the next write fails with EPIPE, as Node reports it. */
class ClosingStdout extends EventEmitter {
  text = '';
  #closed = false;
  close(): void {
    this.#closed = true;
  }
  write(chunk: string): boolean {
    if (!this.#closed) {
      this.text += chunk;
      return true;
    }
    process.nextTick(() => this.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
    return false;
  }
}

/** Polls until `condition` holds; the deadline (well under the test's) only names what a hang waited for. */
async function waitFor(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
