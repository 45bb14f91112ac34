import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sh } from '../command.js';
import { defineModule } from '../module/contract.js';
import { defineFact } from '../module/facts.js';
import { fakeInventory } from '../testing/index.js';
import { LocalTransport } from '../transport/local.js';
import { runPlaybook } from './run-playbook.js';
import { task, type Playbook } from './types.js';

/** A file-content module whose gather is one fact: what prefetching batches. */
const contentFact = defineFact<string, string | null>({
  name: 'test.content',
  command: (path) => sh`cat -- ${path}`,
  parse: (result) => (result.exitCode === 0 ? result.stdout : null),
});
const content = defineModule({
  name: 'content',
  params: z.object({ path: z.string(), text: z.string() }),
  gather: (ctx, params) => ctx.fact(contentFact(params.path)),
  plan: (current, params) => (current === params.text ? [] : [{ kind: 'content.write', target: params.path, summary: 'write' }]),
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
