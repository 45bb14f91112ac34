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
