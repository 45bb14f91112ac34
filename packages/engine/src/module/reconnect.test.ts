import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sh } from '../command.js';
import { FakeTransport } from '../testing/index.js';
import { defineModule } from './contract.js';
import { defineFact } from './facts.js';

/** A counter on the host: each read of it is a command the transport sees. */
const bootNumber = defineFact<null, string>({ name: 'test.boot', command: () => sh`boot-id`, parse: (r) => r.stdout.trim() });

/** Reads the boot, reconnects, reads it again through the same cache: the second read must reach the host. */
const rebootLike = defineModule({
  name: 'rebootLike',
  params: z.object({}),
  facts: () => ({ boot: bootNumber(null) }),
  plan: (facts) => [{ kind: 'rebootLike.reboot', target: 'host', summary: 'reboot', payload: { before: facts.boot } }],
  apply: async (ctx, changes) => {
    if (!ctx.reconnect) return { reconnected: false, before: changes[0]!.payload.before, after: await ctx.fact(bootNumber(null)) };
    await ctx.reconnect({ reason: 'test', timeoutMs: 1000 });
    return { reconnected: true, before: changes[0]!.payload.before, after: await ctx.fact(bootNumber(null)) };
  },
});

class ReconnectingTransport extends FakeTransport {
  readonly reconnects: Array<{ timeoutMs: number }> = [];
  async reconnect(options: { timeoutMs: number }): Promise<void> {
    this.reconnects.push({ timeoutMs: options.timeoutMs });
  }
}

function booting<T extends FakeTransport>(transport: T): T {
  let boot = 0;
  transport.handler = (text) => (text === 'boot-id' ? { stdout: `${++boot}\n` } : undefined);
  return transport;
}

describe('ModuleContext.reconnect outside a run (a module used as a library)', () => {
  it("goes through the transport's own reconnect and drops the facts cached from the old connection", async () => {
    const transport = booting(new ReconnectingTransport('h1'));
    const result = await rebootLike.run(transport, {});
    expect(result.output).toEqual({ reconnected: true, before: '1', after: '2' });
    expect(transport.reconnects).toEqual([{ timeoutMs: 1000 }]);
  });

  it('is absent when the transport cannot reconnect, so the module can say so before it does anything', async () => {
    const transport = booting(new FakeTransport('h1'));
    const result = await rebootLike.run(transport, {});
    // Without a reconnect the cache stays: the same read answers from it.
    expect(result.output).toEqual({ reconnected: false, before: '1', after: '1' });
  });
});
