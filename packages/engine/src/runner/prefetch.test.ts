import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sh, type ShellCommand } from '../command.js';
import { defineModule } from '../module/contract.js';
import { defineFact } from '../module/facts.js';
import { fakeInventory } from '../testing/index.js';
import { LocalTransport } from '../transport/local.js';
import type { RunOptions } from '../transport/types.js';
import { runPlaybook } from './run-playbook.js';
import { resultRef, task, type Playbook } from './types.js';

/** A file-content module that declares one fact: what prefetching batches. */
const contentFact = defineFact<string, string | null>({
  name: 'test.content',
  reads: (path) => [path],
  command: (path) => sh`cat -- ${path}`,
  parse: (result) => (result.exitCode === 0 ? result.stdout : null),
});
const content = defineModule({
  name: 'content',
  params: z.object({ path: z.string(), text: z.string() }),
  facts: (params) => contentFact(params.path),
  plan: (current, params) => (current === params.text ? [] : [{ kind: 'content.write', target: params.path, summary: 'write', payload: null }]),
  async apply(ctx, _changes, params) {
    await ctx.put(params.path, params.text);
  },
  // Deliberately narrow: prefetching must not trust it (another task's fact may read this file).
  invalidates: [],
});

let dir: string;
let transport: LocalTransport;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbook-prefetch-'));
  transport = new LocalTransport('h');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function playbook(): Playbook {
  return {
    name: 'pb',
    plays: [
      {
        name: 'files',
        hosts: 'all',
        tasks: [
          task(content, { path: join(dir, 'a'), text: 'one' }),
          task(content, { path: join(dir, 'b'), text: 'two' }),
          // Reads what the first task writes: a fact prefetched before that write would be stale.
          task(content, { path: join(dir, 'a'), text: 'one' }),
          task(content, { path: join(dir, 'c'), text: 'three' }),
        ],
      },
    ],
  };
}

const run = (check = false) => runPlaybook(playbook(), { inventory: fakeInventory({ h: {} }), connect: async () => transport, check, hostLock: false });

describe('fact prefetching', () => {
  it('check mode sends every task\'s read-only check in one command and changes nothing', async () => {
    const summary = await run(true);
    expect(summary.hosts.h!.changed).toBe(4);
    expect(transport.stats().commands).toBe(1);
    await expect(readFile(join(dir, 'a'))).rejects.toThrow();
  });

  it('re-fetches after a change, so a later task sees what an earlier one wrote', async () => {
    const summary = await run();
    // a, b, c written; the second look at a is fresh and finds it done.
    expect(summary.hosts.h).toMatchObject({ changed: 3, ok: 1, failed: 0 });
  });

  it('a run where nothing changes costs one command for the whole play', async () => {
    await run();
    const before = transport.stats().commands;
    const summary = await run();
    expect(summary.hosts.h).toMatchObject({ changed: 0, ok: 4 });
    expect(transport.stats().commands - before).toBe(1);
  });
});

/** A read-only check whose answer is single-use (a command's output): what each task was handed. */
const readOnce = defineFact<string, string>({
  name: 'test.read-once',
  singleUse: true,
  command: (path) => sh`cat -- ${path}`,
  parse: (result) => result.stdout,
});
let handed: string[] = [];
const reading = defineModule({
  name: 'reading',
  params: z.object({ path: z.string() }),
  facts: (params) => readOnce(params.path),
  async gather(_ctx, _params, value) {
    handed.push(value);
    return value;
  },
  plan: () => [],
  apply: async () => undefined,
});
const UUID = '/proc/sys/kernel/random/uuid';

/** Records the options of every command, to see which ran under a task's timeout. */
class RecordingTransport extends LocalTransport {
  readonly runs: RunOptions[] = [];
  override run(command: ShellCommand, options: RunOptions = {}) {
    this.runs.push(options);
    return super.run(command, options);
  }
}

describe('fact prefetching: single-use facts', () => {
  beforeEach(() => {
    handed = [];
  });
  const play = (tasks: Playbook['plays'][number]['tasks'], name = 'reads') => ({ name, hosts: 'all', tasks });
  const runOn = (plays: Playbook['plays'], t: LocalTransport = transport, check = false) =>
    runPlaybook({ name: 'pb', plays }, { inventory: fakeInventory({ h: {} }), connect: async () => t, check, hostLock: false });

  it('a play of reads and file checks with nothing to change is one command; each read gets its own run', async () => {
    await writeFile(join(dir, 'a'), 'one');
    const plays = [play([task(reading, { path: UUID }), task(content, { path: join(dir, 'a'), text: 'one' }), task(reading, { path: join(dir, 'a') })])];
    for (const check of [false, true]) {
      handed = [];
      const before = transport.stats().commands;
      const summary = await runOn(plays, transport, check);
      expect(summary.hosts.h).toMatchObject({ ok: 3, changed: 0, failed: 0 });
      expect(transport.stats().commands - before).toBe(1);
      expect(handed[1]).toBe('one');
    }
  });

  it('two tasks reading the same one never share a result: the second runs its own', async () => {
    await runOn([play([task(reading, { path: UUID }), task(reading, { path: UUID })])]);
    expect(handed).toHaveLength(2);
    expect(handed[0]).not.toBe(handed[1]);
    expect(transport.stats().commands).toBe(2);
  });

  it('a read after a change on the host runs again and sees it', async () => {
    await writeFile(join(dir, 'a'), 'old');
    await runOn([play([task(reading, { path: join(dir, 'a') }), task(content, { path: join(dir, 'a'), text: 'new' }), task(reading, { path: join(dir, 'a') })])]);
    expect(handed).toEqual(['old', 'new']);
  });

  it('a change on another host of the batch drops what is unread here', async () => {
    const other = new LocalTransport('g');
    const plays = [
      play([
        task(content, (host) => ({ path: join(dir, host.name), text: 'x' }), { when: (host) => host.name === 'g' }),
        task(reading, { path: UUID }, { when: (host) => host.name === 'h' }),
      ]),
    ];
    await runPlaybook({ name: 'pb', plays }, { inventory: fakeInventory({ h: {}, g: {} }), connect: async (host) => (host.name === 'h' ? transport : other), hostLock: false });
    // h: the play's batch, then its read again after g changed.
    expect(transport.stats().commands).toBe(2);
  });

  it('a task with its own timeout is not prefetched: its read runs under that timeout', async () => {
    const recording = new RecordingTransport('h');
    await runOn([play([task(reading, { path: UUID }), task(reading, { path: join(dir, 'none') }, { timeoutMs: 4321 })])], recording);
    expect(recording.runs.map((o) => o.timeoutMs)).toEqual([undefined, 4321]);
  });

  it('a play never reads what an earlier play fetched and left unread', async () => {
    // `when` reads a registered result, so it is evaluated again at the task (not kept from prefetch).
    const noop = defineModule({ name: 'noop', params: z.object({}), plan: () => [], apply: async () => undefined });
    const first = resultRef<undefined>('first');
    const second = resultRef<undefined>('second');
    const plays = [
      // Prefetch sees `when` true, the task itself false: its prefetched read stays unread.
      play([task(noop, {}, { register: first }), task(reading, { path: UUID }, { when: (h) => h.result(first) === undefined })], 'first'),
      // Prefetch sees `when` false: nothing prefetched, the task reads for itself.
      play([task(noop, {}, { register: second }), task(reading, { path: UUID }, { when: (h) => h.result(second) !== undefined })], 'second'),
    ];
    await runOn(plays);
    expect(handed).toHaveLength(1);
    expect(transport.stats().commands).toBe(2);
  });
});

describe('fact prefetching: params that read host facts', () => {
  it('get the host facts with the play\'s batch and their own facts in a second one', async () => {
    await writeFile(join(dir, 'plain'), 'p');
    await writeFile(join(dir, 'dependent'), 'd');
    const tasks = [
      task(content, { path: join(dir, 'plain'), text: 'p' }),
      task(content, (host) => ({ path: join(dir, 'dependent'), text: host.facts.machine.length > 0 ? 'd' : 'unreachable' })),
      task(content, { path: join(dir, 'plain'), text: 'p' }),
    ];
    const summary = await runPlaybook(
      { name: 'pb', plays: [{ name: 'uses host facts', hosts: 'all', tasks }] },
      { inventory: fakeInventory({ h: {} }), connect: async () => transport, hostLock: false },
    );
    expect(summary.outcome).toBe('ok');
    expect(summary.hosts['h']).toMatchObject({ ok: 3, changed: 0 });
    // The batch with the host facts, then the one for the task whose params needed them.
    expect(transport.stats().commands).toBe(2);
  });
});

describe('fact prefetching: params that read a result registered later in the play', () => {
  const echo = defineModule({
    name: 'echo',
    params: z.object({ text: z.string() }),
    plan: () => [],
    apply: async () => undefined,
    output: (_facts, params) => ({ stdout: params.text }),
  });
  const said = resultRef<{ stdout: string }>('said');
  // A first task with a fact of its own, so the play has a batch to ride in.
  const first = () => task(content, { path: join(dir, 'first'), text: 'f' });
  const tasks = (path: string) => [
    first(),
    task(echo, { text: 'one' }, { register: said }),
    // Only the content comes from the result: the path, and so the fact, is known before it.
    task(content, (host) => ({ path, text: host.output(said).stdout.trim() })),
  ];
  const runTasks = (t: Playbook['plays'][number]['tasks'], check = false) =>
    runPlaybook({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: t }] }, { inventory: fakeInventory({ h: {} }), connect: async () => transport, check, hostLock: false });

  beforeEach(() => writeFile(join(dir, 'first'), 'f'));

  it('a fact whose arguments owe nothing to the result rides in the play\'s batch', async () => {
    await writeFile(join(dir, 'a'), 'one');
    const summary = await runTasks(tasks(join(dir, 'a')));
    expect(summary.hosts.h).toMatchObject({ ok: 3, changed: 0, failed: 0 });
    expect(transport.stats().commands).toBe(1);
  });

  it('the task still plans from the real result: a change is found and made', async () => {
    await writeFile(join(dir, 'a'), 'other');
    const summary = await runTasks(tasks(join(dir, 'a')));
    expect(summary.hosts.h).toMatchObject({ changed: 1, failed: 0 });
    expect(await readFile(join(dir, 'a'), 'utf8')).toBe('one');
  });

  it('a fact that names no host paths it reads is left to the task (it may ask what is not up yet)', async () => {
    const unnamed = defineFact<string, string | null>({ name: 'test.unnamed', command: (path) => sh`cat -- ${path}`, parse: (r) => (r.exitCode === 0 ? r.stdout : null) });
    const reader = defineModule({ name: 'reader', params: z.object({ path: z.string(), text: z.string() }), facts: (p) => unnamed(p.path), plan: () => [], apply: async () => undefined });
    await writeFile(join(dir, 'a'), 'one');
    await runTasks([first(), task(echo, { text: 'one' }, { register: said }), task(reader, (host) => ({ path: join(dir, 'a'), text: host.output(said).stdout }))]);
    expect(transport.stats().commands).toBe(2);
  });

  it('a fact whose arguments come from the result is left to the task', async () => {
    await writeFile(join(dir, 'one'), 'x');
    const summary = await runTasks([first(), task(echo, { text: 'one' }, { register: said }), task(content, (host) => ({ path: join(dir, host.output(said).stdout), text: 'x' }))]);
    expect(summary.hosts.h).toMatchObject({ ok: 3, changed: 0, failed: 0 });
    // The batch could not hold it: the task's own read is a second command.
    expect(transport.stats().commands).toBe(1 + 1);
  });
});

describe('fact prefetching: modules that name what they wrote', () => {
  const pathContent = defineFact<string, string | null>({
    name: 'test.path-content',
    command: (path) => sh`cat -- ${path}`,
    parse: (result) => (result.exitCode === 0 ? result.stdout : null),
    reads: (path) => [path],
  });
  const precise = defineModule({
    name: 'precise',
    params: z.object({ path: z.string(), text: z.string() }),
    facts: (params) => pathContent(params.path),
    plan: (current, params) => (current === params.text ? [] : [{ kind: 'precise.write', target: params.path, summary: 'write', payload: { path: params.path, text: params.text } }]),
    async apply(ctx, changes) {
      for (const c of changes) await ctx.put(c.payload.path, c.payload.text);
    },
    writes: (changes) => changes.map((c) => c.payload.path),
  });
  const runTasks = (t: Playbook['plays'][number]['tasks']) =>
    runPlaybook({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: t }] }, { inventory: fakeInventory({ h: {} }), connect: async () => transport, hostLock: false });

  it('after a change, the checks of later tasks on other paths are kept: no command of their own', async () => {
    await writeFile(join(dir, 'b'), 'two');
    await writeFile(join(dir, 'c'), 'three');
    const summary = await runTasks([task(precise, { path: join(dir, 'a'), text: 'one' }), task(precise, { path: join(dir, 'b'), text: 'two' }), task(precise, { path: join(dir, 'c'), text: 'three' })]);
    expect(summary.hosts.h).toMatchObject({ changed: 1, ok: 2, failed: 0 });
    // The play's batch and the write; b and c were answered by the batch.
    expect(transport.stats().commands).toBe(2);
  });

  it('a later task reading the written path checks again and finds it done', async () => {
    const summary = await runTasks([task(precise, { path: join(dir, 'a'), text: 'one' }), task(precise, { path: join(dir, 'a'), text: 'one' })]);
    expect(summary.hosts.h).toMatchObject({ changed: 1, ok: 1, failed: 0 });
    expect(await readFile(join(dir, 'a'), 'utf8')).toBe('one');
  });

  it('after a change of unknown reach, the next tasks\' checks come back in one batch, not one each', async () => {
    for (const name of ['b', 'c', 'd']) await writeFile(join(dir, name), name);
    // `content` names no writes: everything is dropped after it changes a.
    const summary = await runTasks([task(content, { path: join(dir, 'a'), text: 'one' }), ...['b', 'c', 'd'].map((name) => task(precise, { path: join(dir, name), text: name }))]);
    expect(summary.hosts.h).toMatchObject({ changed: 1, ok: 3, failed: 0 });
    // The play's batch, the write, then one batch for b, c and d.
    expect(transport.stats().commands).toBe(3);
  });
});

describe('fact prefetching: guards on single-use reads (paths earlier tasks leave existing)', () => {
  /** A single-use read that counts its runs on the host: what a guard decides is when it runs. */
  const counted = defineFact<{ path: string; counter: string }, string>({
    name: 'test.counted-read',
    singleUse: true,
    command: ({ path, counter }) => sh`printf x >> ${counter}; cat -- ${path}`,
    parse: (result) => result.stdout,
  });
  let handedCounted: string[] = [];
  const countedReading = defineModule({
    name: 'counted-reading',
    params: z.object({ path: z.string(), counter: z.string() }),
    facts: (params) => counted(params),
    async gather(_ctx, _params, value) {
      handedCounted.push(value);
      return value;
    },
    plan: () => [],
    apply: async () => undefined,
  });
  /** Writes a file, names the write, and says the file exists once it succeeded. */
  const made = defineModule({
    name: 'made',
    params: z.object({ path: z.string(), text: z.string(), leaves: z.boolean().default(true) }),
    facts: (params) => contentFact(params.path),
    plan: (current, params) => (current === params.text ? [] : [{ kind: 'made.write', target: params.path, summary: 'write', payload: { path: params.path, text: params.text } }]),
    async apply(ctx, changes) {
      for (const c of changes) await ctx.put(c.payload.path, c.payload.text);
    },
    writes: (changes) => changes.map((c) => c.payload.path),
    leaves: (params) => (params.leaves ? { existing: [params.path] } : {}),
  });
  /** Removes a path: what a play leaves absent is never a guard. */
  const gone = defineModule({
    name: 'gone',
    params: z.object({ path: z.string() }),
    facts: (params) => contentFact(params.path),
    plan: (current, params) => (current === null ? [] : [{ kind: 'gone.remove', target: params.path, summary: 'remove', payload: { path: params.path } }]),
    async apply(ctx, changes) {
      for (const c of changes) await ctx.exec(sh`rm -f -- ${c.payload.path}`);
    },
    writes: (changes) => changes.map((c) => c.payload.path),
    leaves: (params) => ({ absent: [params.path] }),
  });
  class TextRecordingTransport extends LocalTransport {
    readonly texts: string[] = [];
    override runBatch(commands: readonly ShellCommand[], options: RunOptions = {}) {
      this.texts.push(...commands.map((c) => c.text));
      return super.runBatch(commands, options);
    }
    override run(command: ShellCommand, options: RunOptions = {}) {
      this.texts.push(command.text);
      return super.run(command, options);
    }
  }
  const runs = async (counter: string) => (await readFile(counter, 'utf8').catch(() => '')).length;
  const runPlay = (tasks: Playbook['plays'][number]['tasks'], t: LocalTransport, check = false) =>
    runPlaybook({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks }] }, { inventory: fakeInventory({ h: {} }), connect: async () => t, check, hostLock: false });
  const plan = (leaves = true) => [
    task(made, { path: join(dir, 'conf'), text: 'v1', leaves }),
    task(countedReading, { path: join(dir, 'conf'), counter: join(dir, 'counter') }),
  ];

  beforeEach(() => {
    handedCounted = [];
  });

  it('first run: an earlier task\'s path is missing, so the read runs once, at its task, and sees the write', async () => {
    const t = new TextRecordingTransport('h');
    const summary = await runPlay(plan(), t);
    expect(summary.hosts.h).toMatchObject({ changed: 1, ok: 1, failed: 0 });
    expect(handedCounted).toEqual(['v1']);
    expect(await runs(join(dir, 'counter'))).toBe(1);
    // The batch (the read guarded), the write, the read at its task: the same turns as without a guard.
    expect(t.stats().commands).toBe(3);
    expect(t.texts.some((text) => text.includes(`[ -e ${join(dir, 'conf')} ]`))).toBe(true);
  });

  it('without the guard the same first run reads twice (the batch\'s read thrown away), with the same results', async () => {
    const t = new TextRecordingTransport('h');
    const summary = await runPlay(plan(false), t);
    expect(summary.hosts.h).toMatchObject({ changed: 1, ok: 1, failed: 0 });
    expect(handedCounted).toEqual(['v1']);
    expect(await runs(join(dir, 'counter'))).toBe(2);
    expect(t.stats().commands).toBe(3);
  });

  it('re-run with nothing to change: the guard holds, the read runs in the play\'s one batch', async () => {
    await runPlay(plan(), new LocalTransport('h'));
    handedCounted = [];
    const t = new TextRecordingTransport('h');
    const summary = await runPlay(plan(), t);
    expect(summary.hosts.h).toMatchObject({ changed: 0, ok: 2, failed: 0 });
    expect(handedCounted).toEqual(['v1']);
    expect(await runs(join(dir, 'counter'))).toBe(2);
    expect(t.stats().commands).toBe(1);
  });

  it('check mode carries no guard: the batch\'s read is the one the task gets, and nothing is written', async () => {
    const t = new TextRecordingTransport('h');
    const summary = await runPlay(plan(), t, true);
    expect(summary.hosts.h).toMatchObject({ changed: 1, ok: 1, failed: 0 });
    expect(t.texts.some((text) => text.includes('[ -e'))).toBe(false);
    expect(await runs(join(dir, 'counter'))).toBe(1);
    expect(t.stats().commands).toBe(1);
    await expect(readFile(join(dir, 'conf'))).rejects.toThrow();
  });

  it('a path the play leaves absent, or one under it, is never a guard', async () => {
    const t = new TextRecordingTransport('h');
    await runPlay(
      [
        task(made, { path: join(dir, 'conf'), text: 'v1' }),
        task(made, { path: join(dir, 'keep'), text: 'k' }),
        task(countedReading, { path: join(dir, 'keep'), counter: join(dir, 'counter') }),
        task(gone, { path: join(dir, 'conf') }),
      ],
      t,
    );
    const guarded = t.texts.find((text) => text.includes('[ -e'));
    expect(guarded).toContain(`[ -e ${join(dir, 'keep')} ]`);
    expect(guarded).not.toContain(`[ -e ${join(dir, 'conf')} ]`);
  });

  it('a task that may leave paths absent with params unknown here (a loop) leaves every read unguarded', async () => {
    const t = new TextRecordingTransport('h');
    await runPlay(
      [
        task(made, { path: join(dir, 'conf'), text: 'v1' }),
        task(countedReading, { path: join(dir, 'conf'), counter: join(dir, 'counter') }),
        task(gone, (host) => ({ path: join(dir, String(host.item)) }), { loop: ['x'] }),
      ],
      t,
    );
    expect(t.texts.some((text) => text.includes('[ -e'))).toBe(false);
    expect(await runs(join(dir, 'counter'))).toBe(2);
  });

  it('a guarded read whose guard holds gets its command\'s own result, exit code 125 and stderr included', async () => {
    await writeFile(join(dir, 'conf'), 'v1');
    const failing = defineFact<string, { code: number; err: string }>({
      name: 'test.exit-125',
      singleUse: true,
      command: () => sh`echo not-a-skip >&2; exit 125`,
      parse: (result) => ({ code: result.exitCode, err: result.stderr }),
    });
    const got: Array<{ code: number; err: string }> = [];
    const reader = defineModule({
      name: 'exit-reader',
      params: z.object({ n: z.number() }),
      facts: () => failing('x'),
      async gather(_ctx, _params, value) {
        got.push(value);
        return value;
      },
      plan: () => [],
      apply: async () => undefined,
    });
    const t = new TextRecordingTransport('h');
    const summary = await runPlay([task(made, { path: join(dir, 'conf'), text: 'v1' }), task(reader, { n: 1 })], t);
    expect(summary.hosts.h).toMatchObject({ changed: 0, failed: 0 });
    expect(got).toEqual([{ code: 125, err: 'not-a-skip\n' }]);
    expect(t.stats().commands).toBe(1);
  });
});
