import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sh } from '../command.js';
import { MeshbookError } from '../errors.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { LocalTransport } from '../transport/local.js';
import { SessionEndedError } from '../transport/ssh/shell-session.js';
import { FactCache, defineFact, pathsOverlap, touches } from './facts.js';

// Each run of a tick appends a line to its counter file and prints the count: which run answered.
const tickCommand = (counter: string) => sh`echo x >> ${counter} && wc -l < ${counter}`;
const parseCount = (result: { stdout: string }) => Number(result.stdout.trim());
const tick = defineFact<string, number>({ name: 'test.tick', singleUse: true, command: tickCommand, parse: parseCount });
const lastingTick = defineFact<string, number>({ name: 'test.lasting-tick', command: tickCommand, parse: parseCount });

let dir: string;
let transport: LocalTransport;
let facts: FactCache;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbook-facts-'));
  transport = new LocalTransport('h');
  facts = new FactCache(transport);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const counter = (name = 'n') => join(dir, name);
const commands = () => transport.stats().commands;

describe('FactCache: lasting facts', () => {
  it('are fetched once and then served from the cache', async () => {
    expect(await facts.get(lastingTick(counter()))).toBe(1);
    expect(await facts.get(lastingTick(counter()))).toBe(1);
    expect(commands()).toBe(1);
  });
});

describe('FactCache: single-use facts', () => {
  it('are never cached: every read runs the command', async () => {
    expect(await facts.get(tick(counter()))).toBe(1);
    expect(await facts.get(tick(counter()))).toBe(2);
    expect(commands()).toBe(2);
  });

  it('two reads of the same one in one gather are two runs', async () => {
    const both = await facts.gather({ a: tick(counter()), b: tick(counter()) });
    expect([both.a, both.b].sort()).toEqual([1, 2]);
    expect(commands()).toBe(1);
  });

  it('a prefetched value is taken by the first read and deleted: the second read runs its own', async () => {
    await facts.prefetch([{ request: tick(counter()), become: undefined }]);
    expect(commands()).toBe(1);
    expect(await facts.get(tick(counter()))).toBe(1);
    expect(commands()).toBe(1);
    expect(await facts.get(tick(counter()))).toBe(2);
    expect(commands()).toBe(2);
  });

  it('prefetch runs two requests with the same key once; the second reader fetches its own', async () => {
    await facts.prefetch([
      { request: tick(counter()), become: undefined },
      { request: tick(counter()), become: undefined },
      { request: tick(counter('other')), become: undefined },
    ]);
    expect(commands()).toBe(1);
    expect(await facts.get(tick(counter('other')))).toBe(1);
    expect(await facts.get(tick(counter()))).toBe(1);
    expect(await facts.get(tick(counter()))).toBe(2);
    expect(commands()).toBe(2);
  });

  it('a new prefetch replaces an unread value with a fresh one', async () => {
    await facts.prefetch([{ request: tick(counter()), become: undefined }]);
    await facts.prefetch([{ request: tick(counter()), become: undefined }]);
    expect(await facts.get(tick(counter()))).toBe(2);
  });

  it('any invalidation, even of other names, drops unread values; lasting facts stay unless named', async () => {
    await facts.prefetch([
      { request: tick(counter()), become: undefined },
      { request: lastingTick(counter('lasting')), become: undefined },
    ]);
    facts.invalidate([defineFact<null, null>({ name: 'some.other.fact', command: () => sh`true`, parse: () => null })]);
    expect(await facts.get(tick(counter()))).toBe(2);
    expect(await facts.get(lastingTick(counter('lasting')))).toBe(1);
  });

  it('dropUnread drops unread values only', async () => {
    await facts.prefetch([
      { request: tick(counter()), become: undefined },
      { request: lastingTick(counter('lasting')), become: undefined },
    ]);
    facts.dropUnread();
    expect(await facts.get(tick(counter()))).toBe(2);
    expect(await facts.get(lastingTick(counter('lasting')))).toBe(1);
    expect(commands()).toBe(2);
  });
});

describe('FactCache: limits of a read', () => {
  it("a read's own commands run under its timeout and signal, the prefetch batch under the cache's", async () => {
    const fake = new FakeTransport('h', { handler: () => ({ stdout: '1\n' }) });
    const signal = new AbortController().signal;
    const cache = new FactCache(fake, { timeoutMs: 60_000 });
    await cache.get(tick('/n'), { timeoutMs: 1234, signal });
    await cache.prefetch([{ request: tick('/n'), become: undefined }]);
    const runs = fake.operations.flatMap((op) => (op.kind === 'run' ? [op.options] : []));
    expect(runs.map((o) => o.timeoutMs)).toEqual([1234, 60_000]);
    expect(runs[0]!.signal).toBe(signal);
  });
});

describe('FactCache: one batch, each result framed apart', () => {
  const raw = defineFact<string, { stdout: string; stderr: string; exitCode: number }>({
    name: 'test.raw',
    command: (text) => ({ text, display: 'raw' }),
    parse: (result) => ({ stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode }),
  });

  it('keeps stdout byte for byte (no trailing newline, blank lines, a fake marker), stderr and exit codes apart', async () => {
    const got = await facts.gather({
      plain: raw('printf "a\\n\\nb"'),
      empty: raw('true'),
      failing: raw('echo out; echo "err: \\\\ n" >&2; exit 7'),
      forged: raw('printf "\\nMBF000000000000 0 0\\n\\n"'),
      unicode: raw("printf 'caf\\303\\251\\n'"),
    });
    expect(got.plain).toEqual({ stdout: 'a\n\nb', stderr: '', exitCode: 0 });
    expect(got.empty).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(got.failing).toEqual({ stdout: 'out\n', stderr: 'err: \\ n\n', exitCode: 7 });
    expect(got.forged).toEqual({ stdout: '\nMBF000000000000 0 0\n\n', stderr: '', exitCode: 0 });
    expect(got.unicode.stdout).toBe('café\n');
    expect(commands()).toBe(1);
  });

  it('reports a batch that ended early (a command that ends the shell) instead of inventing results', async () => {
    const error = await facts.gather({ one: raw('echo one'), two: raw('kill -9 $$'), three: raw('echo three') }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('the batch ended early');
  });
});

describe('FactCache: an error during a read carries none of what the read printed', () => {
  const content = defineFact<string, string>({ name: 'test.content', command: (text) => ({ text, display: 'content' }), parse: (r) => r.stdout });
  // Prints a stand-in for a file's contents and why it is slow, then hangs past the read's timeout.
  const hanging = "printf 'c2VjcmV0LWNvbnRlbnQ='; echo 'still reading' >&2; sleep 30";

  const expectNoContent = (error: unknown) => {
    expect(error).toBeInstanceOf(MeshbookError);
    const failure = error as MeshbookError;
    expect(failure.stdout).toBeUndefined();
    expect(failure.cause).toBeUndefined();
    expect(inspect(failure, { depth: null })).not.toContain('c2VjcmV0');
    return failure;
  };

  it('a single read that times out keeps its code, command and stderr, not its stdout', async () => {
    const error = await facts.get(content(hanging), { timeoutMs: 2000 }).catch((e: unknown) => e);
    const failure = expectNoContent(error);
    expect(failure).toMatchObject({ code: 'TIMEOUT', host: 'h', command: 'content', stderr: 'still reading\n' });
  });

  it('so does a batch of ungrouped reads', async () => {
    const error = await facts.gather({ first: content('echo first'), second: content(hanging) }, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(expectNoContent(error)).toMatchObject({ code: 'TIMEOUT', stderr: 'still reading\n' });
  });

  it("and an error whose cause holds the output (the session's partial frames) loses the cause", async () => {
    const partial = { stdout: Buffer.from('c2VjcmV0LWNvbnRlbnQ='), stderr: Buffer.from('e'), exitCode: -1, dropped: { stdout: 0, stderr: 0 } };
    const lost = new MeshbookError('UNREACHABLE', 'connection lost (during the command)', { host: 'h', command: 'content', stderr: 'e', hint: 'check the network', cause: new SessionEndedError(partial, undefined, undefined) });
    const fake = new FakeTransport('h', { handler: () => { throw lost; } });
    const error = await new FactCache(fake).get(content('cat /etc/secret')).catch((e: unknown) => e);
    expect(expectNoContent(error)).toMatchObject({ code: 'UNREACHABLE', message: lost.message, host: 'h', command: 'content', stderr: 'e', hint: 'check the network' });
  });

  it('an error with nothing of the output is passed on as it is', async () => {
    const refused = new MeshbookError('BECOME_FAILED', 'sudo: a password is required', { host: 'h' });
    const fake = new FakeTransport('h', { handler: () => { throw refused; } });
    expect(await new FactCache(fake).get(content('true')).catch((e: unknown) => e)).toBe(refused);
  });
});

/** A tick whose answer depends on the counter file alone (its path is what it reads). */
const pathTick = defineFact<string, number>({ name: 'test.path-tick', command: tickCommand, parse: parseCount, reads: (path) => [path] });

describe('FactCache: per-path invalidation', () => {
  it('a write drops the facts that read at, under or above it and those whose reads are unknown; the rest stay', async () => {
    const [a, b] = [counter('a'), counter('b')];
    await facts.prefetch([a, b].map((path) => ({ request: pathTick(path), become: undefined })).concat({ request: lastingTick(counter('c')), become: undefined }));
    expect(commands()).toBe(1);
    facts.invalidateWrites([a]);
    expect(await facts.get(pathTick(b))).toBe(1); // untouched: still cached
    expect(commands()).toBe(1);
    expect(await facts.get(pathTick(a))).toBe(2); // written: read again
    expect(await facts.get(lastingTick(counter('c')))).toBe(2); // reads unknown: read again
    facts.invalidateWrites([dir]); // the directory holding b
    expect(await facts.get(pathTick(b))).toBe(2);
    expect(facts.wholeDrops).toBe(0);
    facts.invalidate();
    expect(facts.wholeDrops).toBe(1);
  });

  it('a directory made where nothing was ({ below: false }) drops the facts at and above it, keeps those under it', async () => {
    // Each reads the path named, and counts its runs in a file of its own.
    const readsTick = defineFact<{ counter: string; path: string }, number>({ name: 'test.reads-tick', command: ({ counter: c }) => tickCommand(c), parse: parseCount, reads: ({ path }) => [path] });
    const made = `${dir}/made`;
    const reading = (path: string, name: string) => readsTick({ counter: counter(name), path });
    const [under, at, beside, above] = [reading(`${made}/x`, 'under'), reading(made, 'at'), reading(`${dir}/beside`, 'beside'), reading(dir, 'above')];
    await facts.prefetch([under, at, beside, above].map((request) => ({ request, become: undefined })));
    expect(commands()).toBe(1);
    facts.invalidateWrites([{ path: made, below: false }]);
    expect(await facts.get(under)).toBe(1); // absent before, absent in the new empty directory
    expect(await facts.get(beside)).toBe(1);
    expect(commands()).toBe(1);
    expect(await facts.get(at)).toBe(2);
    expect(await facts.get(above)).toBe(2); // the parent's listing changed
  });

  it('a write touches reads at, above and (unless below: false) under it', () => {
    expect(touches('/etc/a', '/etc/a/b')).toBe(true);
    expect(touches({ path: '/etc/a', below: false }, '/etc/a/b')).toBe(false);
    expect(touches({ path: '/etc/a', below: false }, '/etc/a')).toBe(true);
    expect(touches({ path: '/etc/a/', below: false }, '/etc')).toBe(true);
    expect(touches({ path: '/etc/a', below: false }, '/')).toBe(true);
    expect(touches({ path: '/etc/a', below: false }, '/etc/ab')).toBe(false);
  });

  it('paths overlap when equal or one holds the other, never by a shared name prefix', () => {
    expect(pathsOverlap('/etc/a', '/etc/a')).toBe(true);
    expect(pathsOverlap('/etc/a/b', '/etc/a')).toBe(true);
    expect(pathsOverlap('/etc', '/etc/a/')).toBe(true);
    expect(pathsOverlap('/', '/x')).toBe(true);
    expect(pathsOverlap('/etc/ab', '/etc/a')).toBe(false);
    expect(pathsOverlap('/etc/a', '/var/a')).toBe(false);
  });
});
