import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sh } from '../command.js';
import { MeshbookError } from '../errors.js';
import type { InventoryHost } from '../inventory/types.js';
import { defineModule } from '../module/contract.js';
import { defineFact } from '../module/facts.js';
import type { FakeCommandHandler } from '../testing/index.js';
import { command, harness, ofType, results, setting } from './__fixtures__/harness.js';
import { task } from './types.js';

/**
 * A module that ends the host's connection on purpose (a reboot) asks the engine for a new one
 * (ModuleContext.reconnect). In a run that is the same reconnect as after a dropped connection:
 * every cached fact of the host dropped, a host.reconnect event, the round trips counted.
 */

const pathExists = defineFact<string, boolean>({
  name: 'test.pathExists',
  command: (path) => sh`test -e ${path} && echo yes || echo no`,
  parse: (result) => result.stdout.trim() === 'yes',
  reads: (path) => [path],
});

/** Like `file: state=absent`: removes the path when its (prefetched) fact says it is there. */
const absent = defineModule({
  name: 'absent',
  params: z.object({ path: z.string() }),
  facts: (params) => ({ exists: pathExists(params.path) }),
  plan: (facts, params) => (facts.exists ? [{ kind: 'absent.remove', target: params.path, summary: `remove ${params.path}`, payload: { path: params.path } }] : []),
  apply: async (ctx, changes) => void (await ctx.exec(sh`rm -f ${changes[0]!.payload.path}`)),
  writes: (changes) => changes.map((c) => c.payload.path),
});

/**
 * A reboot in miniature: the host forgets /run, then the module reconnects. It claims to write no
 * path (`writes`), so the facts fetched ahead would survive its change: only the reconnect itself
 * can drop what was cached in the old boot.
 */
const restart = defineModule({
  name: 'restart',
  params: z.object({}),
  plan: () => [{ kind: 'restart.restart', target: 'host', summary: 'restart', payload: null }],
  apply: async (ctx) => {
    await ctx.exec(sh`restart-host`);
    if (!ctx.reconnect) throw new MeshbookError('MODULE_FAILED', 'cannot reconnect');
    await ctx.reconnect({ reason: `restart: waiting for ${ctx.host}`, timeoutMs: 10_000 });
    return { boot: (await ctx.exec(sh`boot-id`)).stdout.trim() };
  },
  writes: () => [],
});

/** Restarts the host and reconnects once, the new connection counting only in a new boot (as the reboot module does). */
const untilNewBoot = defineModule({
  name: 'untilNewBoot',
  params: z.object({ timeoutMs: z.number().default(10_000) }),
  plan: () => [{ kind: 'untilNewBoot.restart', target: 'host', summary: 'restart', payload: null }],
  apply: async (ctx, _changes, params) => {
    const before = (await ctx.exec(sh`boot-id`)).stdout.trim();
    await ctx.exec(sh`restart-host`);
    await ctx.reconnect!({
      reason: 'restart: waiting for a new boot',
      timeoutMs: params.timeoutMs,
      ready: async (transport) => (await transport.run(sh`boot-id`)).stdout.trim() !== before || 'still the old boot',
    });
    return { boot: (await ctx.exec(sh`boot-id`)).stdout.trim() };
  },
  writes: () => [],
});

/** A host with a boot number: restart-host clears /run and starts the next boot. */
function bootingHost(): { handler: FakeCommandHandler; boot(): number } {
  let boot = 1;
  const handler: FakeCommandHandler = (text, { transport }) => {
    if (text === 'restart-host') {
      boot++;
      for (const path of [...transport.files.keys()]) if (path.startsWith('/run/')) transport.files.delete(path);
      return {};
    }
    if (text === 'boot-id') return { stdout: `${boot}\n` };
    if (text.startsWith('rm -f ')) {
      transport.files.delete(text.slice('rm -f '.length).replace(/'/g, ''));
      return {};
    }
    const exists = /^test -e '?([^' ]+)'? /.exec(text);
    if (exists) return { stdout: transport.files.has(exists[1]!) ? 'yes\n' : 'no\n' };
    // The host facts: the hostname tells the boots apart.
    if (text.includes("printf 'os %s")) return { stdout: `os debian|12|bookworm|Debian\nhostname boot${boot}\n` };
    return undefined;
  };
  return { handler, boot: () => boot };
}

describe('a module that reconnects (a reboot)', () => {
  it('gets a new connection through the run: the host facts and the prefetched facts of the old boot are dropped, visibly, and counted', async () => {
    const host = bootingHost();
    let connects = 0;
    let roundTripsBefore = 0;
    const h = harness({ h1: {} });
    h.fleet.handler = (text, context) => {
      if (text === 'restart-host') roundTripsBefore = context.transport.stats().roundTrips;
      return host.handler(text, context);
    };
    h.fleet.transport('h1').writeFile('/run/marker', 'before the restart');
    // The host does not answer at once after the restart: the first connect attempt after it fails.
    const connect = async (inventoryHost: InventoryHost, options: Parameters<typeof h.fleet.connect>[1]) => {
      connects++;
      if (connects === 2) throw new MeshbookError('UNREACHABLE', 'connection refused', { host: inventoryHost.name });
      return h.fleet.connect(inventoryHost, options);
    };
    const summary = await h.run(
      {
        name: 'pb',
        plays: [
          {
            name: 'p',
            hosts: 'all',
            tasks: [
              task(setting, (ctx) => ({ path: '/seen-before', value: ctx.facts.hostname }), { name: 'before' }),
              task(restart, {}, { name: 'restart' }),
              // Its fact was fetched with the play's batch, in the old boot: the file was there then.
              task(absent, { path: '/run/marker' }, { name: 'marker gone' }),
              task(setting, (ctx) => ({ path: '/seen-after', value: ctx.facts.hostname }), { name: 'after' }),
            ],
          },
        ],
      },
      { connect },
    );

    expect(summary.outcome).toBe('ok');
    expect(results(h.events)).toEqual(['before@h1=changed', 'restart@h1=changed', 'marker gone@h1=ok', 'after@h1=changed']);
    const transport = h.fleet.transport('h1');
    expect(transport.readFile('/seen-before')).toBe('boot1');
    expect(transport.readFile('/seen-after')).toBe('boot2');
    expect(ofType(h.events, 'host.reconnect')).toEqual([expect.objectContaining({ host: 'h1', reason: 'restart: waiting for h1' })]);
    // The event comes while the restart task runs, before its result.
    const order = h.events.flatMap((e) => (e.type === 'host.reconnect' ? ['reconnect'] : e.type === 'host.result' ? [e.task] : []));
    expect(order).toEqual(['before', 'reconnect', 'restart', 'marker gone', 'after']);
    expect(connects).toBe(3);
    // The old connection's round trips stay in the recap.
    expect(summary.hosts['h1']!.roundTrips).toBe(roundTripsBefore + transport.stats().roundTrips);
  });

  it('a reconnect that waits past its timeout fails the task as unreachable, naming the reason', async () => {
    const h = harness({ h1: {} });
    h.fleet.handler = bootingHost().handler;
    let connects = 0;
    const connect = async (inventoryHost: InventoryHost, options: Parameters<typeof h.fleet.connect>[1]) => {
      if (++connects > 1) throw new MeshbookError('UNREACHABLE', 'connection refused', { host: inventoryHost.name });
      return h.fleet.connect(inventoryHost, options);
    };
    const quick = defineModule({
      ...restart.definition,
      name: 'quick',
      apply: async (ctx) => {
        await ctx.reconnect!({ reason: 'quick: waiting', timeoutMs: 1 });
      },
    });
    const summary = await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(quick, {}, { name: 'quick' })] }] }, { connect });
    expect(results(h.events)).toEqual(['quick@h1=unreachable']);
    expect(ofType(h.events, 'host.result')[0]!.error?.message).toMatch(/^reconnecting to h1 \(quick: waiting\) failed: h1 did not answer within 0 s: connection refused/);
    expect(summary.outcome).toBe('unreachable');
  });

  it("a module's reconnects do not use up the ones a run allows after dropped connections", async () => {
    const h = harness({ h1: {} });
    const host = bootingHost();
    h.fleet.handler = (text, context) => {
      if (text !== 'drop-after') return host.handler(text, context);
      // The command ends, then the connection drops between tasks.
      queueMicrotask(() => context.transport.drop(false));
      return {};
    };
    // More than the three reconnects a run allows after drops.
    const restarts = [1, 2, 3, 4].map((n) => task(restart, {}, { name: `restart ${n}` }));
    const summary = await h.run({
      name: 'pb',
      plays: [{ name: 'p', hosts: 'all', tasks: [...restarts, task(command, { cmd: 'drop-after' }, { name: 'drop' }), task(setting, { path: '/x', value: 'v' }, { name: 'after the drop' })] }],
    });
    expect(summary.outcome).toBe('ok');
    expect(results(h.events)).toContain('after the drop@h1=changed');
    expect(ofType(h.events, 'host.reconnect').map((e) => e.reason)).toEqual([...restarts.map(() => 'restart: waiting for h1'), 'connection to fake lost: connection closed']);
  });

  it('a reconnect that lands in the old boot first (it still answers) is one reconnect: `ready` decides, one host.reconnect event', async () => {
    let boot = 1;
    let oldBootAnswers = 0;
    const h = harness({ h1: {} });
    h.fleet.handler = (text) => {
      if (text === 'restart-host') {
        oldBootAnswers = 2;
        return {};
      }
      return text === 'boot-id' ? { stdout: `${boot}\n` } : undefined;
    };
    let connects = 0;
    // The old system takes two more connections before it goes down; the next one is in the new boot.
    const connect = async (inventoryHost: InventoryHost, options: Parameters<typeof h.fleet.connect>[1]) => {
      connects++;
      if (oldBootAnswers > 0) oldBootAnswers--;
      else if (connects > 1) boot = 2;
      return h.fleet.connect(inventoryHost, options);
    };
    const summary = await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(untilNewBoot, {}, { name: 'restart' })] }] }, { connect });
    expect(summary.outcome).toBe('ok');
    expect(results(h.events)).toEqual(['restart@h1=changed']);
    // Two connections to the old boot, closed and tried again; the third one, in the new boot, kept.
    expect([boot, connects]).toEqual([2, 4]);
    expect(ofType(h.events, 'host.reconnect')).toEqual([expect.objectContaining({ host: 'h1', reason: 'restart: waiting for a new boot' })]);
  });

  it('while the host keeps answering in the old boot, the wait runs out as TIMEOUT with the reason `ready` gave', async () => {
    const h = harness({ h1: {} });
    h.fleet.handler = (text) => (text === 'boot-id' ? { stdout: '1\n' } : text === 'restart-host' ? {} : undefined);
    const summary = await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(untilNewBoot, { timeoutMs: 1 }, { name: 'restart' })] }] });
    expect(summary.outcome).not.toBe('ok');
    expect(ofType(h.events, 'host.result')[0]!.error).toMatchObject({
      code: 'TIMEOUT',
      message: 'reconnecting to h1 (restart: waiting for a new boot) failed: h1 was not back within 0 s: still the old boot',
    });
    expect(ofType(h.events, 'host.reconnect')).toEqual([]);
  });

  it('check mode plans the restart and never reconnects', async () => {
    const h = harness({ h1: {} });
    h.fleet.handler = bootingHost().handler;
    await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(restart, {}, { name: 'restart' })] }] }, { check: true });
    expect(results(h.events)).toEqual(['restart@h1=changed']);
    expect(ofType(h.events, 'host.reconnect')).toEqual([]);
    expect(h.fleet.connects).toEqual(['h1']);
  });
});
