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
import type { PutOptions, RunOptions } from '../transport/types.js';
import { runPlaybook } from './run-playbook.js';
import { handler, task, type Playbook } from './types.js';

/**
 * The SSH transport's trailer on the controller's own shell: a command with a trailer and the
 * trailer's reads are one turn, run only when the command exited 0. `turns` counts what the
 * host would see as round trips.
 */
class TrailingTransport extends LocalTransport {
  turns = 0;
  trailed: string[] = [];
  override async run(command: ShellCommand, options: RunOptions = {}) {
    this.turns++;
    const { trailer, ...rest } = options;
    const result = await super.run(command, rest);
    if (trailer) {
      this.trailed.push(...trailer.commands.map((c) => c.display));
      trailer.settle(result.exitCode === 0 ? await super.runBatch(trailer.commands, { become: rest.become }) : undefined);
    }
    return result;
  }
  override async runBatch(commands: readonly ShellCommand[], options: RunOptions = {}) {
    this.turns++;
    return super.runBatch(commands, options);
  }
  override async put(path: string, content: string | Buffer, options: PutOptions = {}) {
    this.turns++;
    const { trailer, ...rest } = options;
    try {
      await super.put(path, content, rest);
    } catch (error) {
      trailer?.settle(undefined);
      throw error;
    }
    if (trailer) {
      this.trailed.push(...trailer.commands.map((c) => c.display));
      trailer.settle(await super.runBatch(trailer.commands, { become: rest.become }));
    }
  }
}

const fileText = defineFact<string, string | null>({
  name: 'test.file-text',
  reads: (path) => [path],
  command: (path) => sh`cat -- ${path}`,
  parse: (result) => (result.exitCode === 0 ? result.stdout : null),
});
/** Writes a file: one put, and says where. */
const text = defineModule({
  name: 'text',
  params: z.object({ path: z.string(), text: z.string() }),
  facts: (params) => fileText(params.path),
  plan: (current, params) => (current === params.text ? [] : [{ kind: 'text.write', target: params.path, summary: 'write', payload: null }]),
  async apply(ctx, _changes, params) {
    await ctx.put(params.path, params.text);
  },
  writes: (_changes, params) => [params.path],
});
/** Writes a file with a put and then appends to it with a command: two commands in one apply. */
const twoStep = defineModule({
  name: 'two-step',
  params: z.object({ path: z.string(), text: z.string(), then: z.string() }),
  facts: (params) => fileText(params.path),
  plan: (current, params) => (current === `${params.text}${params.then}` ? [] : [{ kind: 'two-step.write', target: params.path, summary: 'write', payload: null }]),
  async apply(ctx, _changes, params) {
    await ctx.put(params.path, params.text);
    await ctx.exec(sh`printf %s ${params.then} >> ${params.path}`);
  },
  writes: (_changes, params) => [params.path],
});
/** A change whose reach is unknown (it names no writes): like a command or a package install. */
const touchAnything = defineModule({
  name: 'touch-anything',
  params: z.object({ path: z.string() }),
  facts: (params) => fileText(params.path),
  plan: (current) => (current === 'touched' ? [] : [{ kind: 'touch', target: 'host', summary: 'touch', payload: null }]),
  async apply(ctx, _changes, params) {
    await ctx.exec(sh`printf touched > ${params.path}`);
  },
});
/** A write that exits 0 and then fails in apply's own check. */
const failsAfter = defineModule({
  name: 'fails-after',
  params: z.object({ path: z.string() }),
  facts: (params) => fileText(params.path),
  plan: () => [{ kind: 'fail', target: 'host', summary: 'fail', payload: null }],
  async apply(ctx, _changes, params) {
    await ctx.put(params.path, 'half');
    throw new Error('apply judged its own write bad');
  },
  writes: (_changes, params) => [params.path],
});

let dir: string;
let transport: TrailingTransport;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbook-turns-'));
  transport = new TrailingTransport('h');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const runOn = (tasks: Playbook['plays'][number]['tasks'], options: { check?: boolean; handlers?: Playbook['plays'][number]['handlers'] } = {}) =>
  runPlaybook(
    { name: 'pb', plays: [{ name: 'turns', hosts: 'all', tasks, ...(options.handlers ? { handlers: options.handlers } : {}) }] },
    { inventory: fakeInventory({ h: {} }), connect: async () => transport, check: options.check === true, hostLock: false },
  );

describe('turn plan: the facts a change makes stale, read in its round trip', () => {
  it('a write and the next task\'s read of the same file share a turn; the task sees the written state', async () => {
    const a = join(dir, 'a');
    const summary = await runOn([task(text, { path: a, text: 'one' }), task(text, { path: a, text: 'one' }), task(text, { path: join(dir, 'b'), text: 'two' })]);
    expect(summary.hosts.h).toMatchObject({ changed: 2, ok: 1, failed: 0 });
    // The batch, the write of a with the re-read of a behind it, the write of b.
    expect(transport.turns).toBe(3);
    expect(transport.trailed).toEqual([`cat -- ${a}`]);
  });

  it('a change whose reach is unknown refills the next tasks\' checks in its turn, and no refill batch follows', async () => {
    const marker = join(dir, 'marker');
    const a = join(dir, 'a');
    await writeFile(a, 'one');
    const summary = await runOn([task(touchAnything, { path: marker }), task(text, { path: a, text: 'one' }), task(text, { path: join(dir, 'b'), text: 'two' })]);
    expect(summary.hosts.h).toMatchObject({ changed: 2, ok: 1, failed: 0 });
    // The batch, the touch with the refill behind it, the write of b: no refill batch of its own.
    expect(transport.turns).toBe(3);
    expect(transport.trailed).toEqual([`cat -- ${a}`, `cat -- ${join(dir, 'b')}`]);
  });

  it('an apply that runs another command after the one carrying the reads: they are dropped, the next task reads the final state', async () => {
    const a = join(dir, 'a');
    const summary = await runOn([task(twoStep, { path: a, text: 'one', then: '+more' }), task(text, { path: a, text: 'one+more' })]);
    // The read behind the put saw "one"; kept, the second task would have rewritten the file.
    expect(summary.hosts.h).toMatchObject({ changed: 1, ok: 1, failed: 0 });
    expect(await readFile(a, 'utf8')).toBe('one+more');
  });

  it('a failed apply keeps none of the reads and stops the host with its own error', async () => {
    const a = join(dir, 'a');
    const summary = await runOn([task(failsAfter, { path: a }), task(text, { path: a, text: 'half' })]);
    expect(summary.hosts.h).toMatchObject({ failed: 1, changed: 0, ok: 0 });
    expect(transport.turns).toBe(2);
  });

  it('check mode reads nothing behind a change: one batch', async () => {
    const a = join(dir, 'a');
    const summary = await runOn([task(text, { path: a, text: 'one' }), task(text, { path: a, text: 'one' })], { check: true });
    expect(summary.hosts.h).toMatchObject({ changed: 2 });
    expect(transport.turns).toBe(1);
    expect(transport.trailed).toEqual([]);
  });

  it('a later task running as another user is read by that task, not behind the change', async () => {
    const a = join(dir, 'a');
    const summary = await runOn([task(text, { path: a, text: 'one' }), task(text, { path: a, text: 'one' }, { become: { user: 'nobody' } })]);
    expect(summary.hosts.h).toMatchObject({ changed: 1, ok: 1 });
    expect(transport.trailed).toEqual([]);
  });

  it('behind the play\'s last task, the facts of the handlers it leaves to run', async () => {
    const a = join(dir, 'a');
    const h = join(dir, 'h');
    const summary = await runOn([task(text, { path: a, text: 'one' }, { notify: ['write h'] })], { handlers: [handler('write h', text, { path: h, text: 'handled' })] });
    expect(summary.hosts.h).toMatchObject({ changed: 2, failed: 0 });
    // The batch, the write of a with the handler's read behind it, the handler's write.
    expect(transport.turns).toBe(3);
    expect(transport.trailed).toEqual([`cat -- ${h}`]);
    expect(await readFile(h, 'utf8')).toBe('handled');
  });
});
