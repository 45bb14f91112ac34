import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sh } from '../command.js';
import { MeshbookError } from '../errors.js';
import { defineModule } from '../module/contract.js';
import { defineFact } from '../module/facts.js';
import { Secret } from '../secret.js';
import { applied, harness, ofType, probe, results, setting } from './__fixtures__/harness.js';
import type { Harness } from './__fixtures__/harness.js';
import { resultRef, task } from './types.js';
import type { Play } from './types.js';

/** A file's content as a declared (cached, prefetched) fact: a retry must read it again. */
const markerFact = defineFact<string, string | null>({
  name: 'test.marker',
  command: (path) => sh`cat -- ${path}`,
  parse: (result) => (result.exitCode === 0 ? result.stdout.trim() : null),
});
const marker = defineModule({
  name: 'marker',
  params: z.object({ path: z.string() }),
  facts: (params) => markerFact(params.path),
  plan: () => [],
  async apply() {
    throw new Error('marker never applies');
  },
  output: (content) => ({ content }),
});

/** The marker file of each host "appears" at its `appearsAt`-th read. */
function markerAppearsAt(h: Harness, appearsAt: number): Map<string, number> {
  const reads = new Map<string, number>();
  h.fleet.handler = (text, { host }) => {
    if (!text.startsWith('cat -- ')) return { stdout: `ran: ${text}\n` };
    const count = (reads.get(host) ?? 0) + 1;
    reads.set(host, count);
    return count >= appearsAt ? { stdout: 'ready\n' } : { exitCode: 1, stderr: 'No such file or directory\n' };
  };
  return reads;
}

const contentRef = resultRef<{ content: string | null }>('marker');
const waitForMarker = (options: { retries?: number; delay?: number } = {}) =>
  task(marker, { path: '/run/ready' }, { name: 'wait for marker', register: contentRef, until: (result) => result.output?.content === 'ready', delay: 0, ...options });
const play = (tasks: Play['tasks']): Play => ({ name: 'p', hosts: 'all', tasks });

beforeEach(() => {
  applied.length = 0;
});

describe('until / retries / delay', () => {
  it('runs again until `until` holds: each attempt is an event, the result says which attempt settled it', async () => {
    const h = harness({ a: {} });
    const reads = markerAppearsAt(h, 3);
    const summary = await h.run({ name: 'pb', plays: [play([waitForMarker()])] });
    expect(summary.outcome).toBe('ok');
    // The prefetched read, then one read per retry: the cached fact was dropped each time.
    expect(reads.get('a')).toBe(3);
    expect(ofType(h.events, 'host.retry').map((e) => [e.attempt, e.status, e.delaySeconds])).toEqual([
      [{ number: 1, of: 4 }, 'ok', 0],
      [{ number: 2, of: 4 }, 'ok', 0],
    ]);
    expect(ofType(h.events, 'host.result')).toEqual([expect.objectContaining({ status: 'ok', attempt: { number: 3, of: 4 } })]);
    expect(summary.hosts.a).toMatchObject({ ok: 1, failed: 0 });
  });

  it('gives up after retries + 1 attempts, saying how many and what the last one came to', async () => {
    const h = harness({ a: {} });
    const reads = markerAppearsAt(h, 99);
    const summary = await h.run({ name: 'pb', plays: [play([waitForMarker({ retries: 2 }), task(probe, {}, { name: 'after' })])] });
    expect(reads.get('a')).toBe(3);
    expect(ofType(h.events, 'host.retry').map((e) => e.attempt.number)).toEqual([1, 2]);
    const final = ofType(h.events, 'host.result')[0]!;
    expect(final).toMatchObject({ status: 'failed', attempt: { number: 3, of: 3 } });
    expect(final.error?.message).toBe('gave up after 3 attempts: until did not hold (the last attempt was ok)');
    expect(results(h.events)).toEqual(['wait for marker@a=failed']);
    expect(summary.hosts.a).toMatchObject({ failed: 1 });
  });

  it('the final failure carries the last attempt\'s error; retries alone retry until the task does not fail', async () => {
    const h = harness({ a: {}, b: {} });
    let calls = 0;
    const flaky = defineModule({
      name: 'flaky',
      params: z.object({}),
      async gather(ctx) {
        calls++;
        throw new MeshbookError('COMMAND_FAILED', `try ${calls} failed on ${ctx.host}`, { host: ctx.host, hint: 'wait for it' });
      },
      plan: () => [],
      async apply() {},
    });
    await h.run({ name: 'pb', plays: [play([task(flaky, {}, { name: 'flaky', retries: 1, delay: 0 })])] });
    const failed = ofType(h.events, 'host.result');
    expect(failed).toHaveLength(2);
    for (const event of failed) {
      expect(event.status).toBe('failed');
      expect(event.error?.code).toBe('COMMAND_FAILED');
      expect(event.error?.message).toMatch(new RegExp(`^gave up after 2 attempts: try \\d failed on ${event.host}$`));
      expect(event.error?.hint).toBe('wait for it');
    }
    expect(ofType(h.events, 'host.retry').map((e) => `${e.host}:${e.status}:${e.error?.code}`).sort()).toEqual(['a:failed:COMMAND_FAILED', 'b:failed:COMMAND_FAILED']);

    // The same with a task that fails once, then works: ok on attempt 2.
    const again = harness({ a: {} });
    let tries = 0;
    const once = defineModule({
      name: 'once',
      params: z.object({}),
      async gather() {
        if (++tries === 1) throw new MeshbookError('COMMAND_FAILED', 'not yet');
        return {};
      },
      plan: () => [],
      async apply() {},
    });
    const summary = await again.run({ name: 'pb', plays: [play([task(once, {}, { name: 'once', retries: 3, delay: 0 })])] });
    expect(summary.outcome).toBe('ok');
    expect(ofType(again.events, 'host.result')[0]).toMatchObject({ status: 'ok', attempt: { number: 2, of: 4 } });
  });

  it('a task without until or retries runs once, with no attempt in its events (the common path is unchanged)', async () => {
    const h = harness({ a: {} });
    const reads = markerAppearsAt(h, 99);
    await h.run({ name: 'pb', plays: [play([task(marker, { path: '/run/ready' }, { name: 'read once' })])] });
    expect(reads.get('a')).toBe(1);
    expect(ofType(h.events, 'host.retry')).toEqual([]);
    expect(ofType(h.events, 'host.result')[0]).not.toHaveProperty('attempt');
  });

  it('check mode: a task that would change is not retried (nothing was applied to wait for); a check that changes nothing is', async () => {
    const h = harness({ a: {} });
    const reads = markerAppearsAt(h, 2);
    const summary = await h.run(
      {
        name: 'pb',
        plays: [play([task(setting, { path: '/etc/x', value: '1' }, { name: 'would change', until: () => false, delay: 0 }), waitForMarker()])],
      },
      { check: true },
    );
    expect(applied).toEqual([]);
    expect(results(h.events)).toEqual(['would change@a=changed', 'wait for marker@a=ok']);
    const [planned, waited] = ofType(h.events, 'host.result');
    expect(planned).toMatchObject({ attempt: { number: 1, of: 4 }, message: expect.stringContaining('until is not waited for') });
    expect(waited).toMatchObject({ attempt: { number: 2, of: 4 } });
    expect(ofType(h.events, 'host.retry').map((e) => e.task)).toEqual(['wait for marker']);
    expect(reads.get('a')).toBe(2);
    expect(summary.outcome).toBe('ok');
  });

  it('loops: until applies per item', async () => {
    const h = harness({ a: {} });
    const reads = new Map<string, number>();
    h.fleet.handler = (text) => {
      const path = /^cat -- '?([^']+)'?$/.exec(text)?.[1] ?? '';
      const count = (reads.get(path) ?? 0) + 1;
      reads.set(path, count);
      return path.endsWith('slow') && count < 2 ? { exitCode: 1 } : { stdout: 'ready\n' };
    };
    await h.run({
      name: 'pb',
      plays: [play([task(marker, (_h, item: string) => ({ path: `/run/${item}` }), { name: 'each', loop: ['fast', 'slow'], until: (r) => r.output?.content === 'ready', delay: 0 })])],
    });
    expect(ofType(h.events, 'host.retry').map((e) => `${e.item}#${e.attempt.number}`)).toEqual(['slow#1']);
    expect(results(h.events)).toEqual(['each@a=ok[fast]', 'each@a=ok[slow]']);
  });

  it('secrets stay masked in every attempt\'s event', async () => {
    const token = new Secret('retry-canary-7f3a9c');
    const h = harness({ a: {} });
    const leaky = defineModule({
      name: 'leaky',
      params: z.object({}),
      async gather() {
        throw new MeshbookError('COMMAND_FAILED', `server said: bad token ${token.reveal()}`, { stderr: `token=${token.reveal()}` });
      },
      plan: () => [],
      async apply() {},
    });
    await h.run({ name: 'pb', plays: [play([task(leaky, {}, { name: 'leaky', retries: 2, delay: 0 })])] });
    const text = JSON.stringify(h.events);
    expect(ofType(h.events, 'host.retry')).toHaveLength(2);
    expect(text).toContain('bad token ***');
    expect(text).not.toContain('retry-canary-7f3a9c');
  });

  it('an interrupt during the delay ends the wait: no further attempt, the host counted failed', async () => {
    const h = harness({ a: {} });
    const reads = markerAppearsAt(h, 99);
    const controller = new AbortController();
    h.events.length = 0;
    const run = h.run({ name: 'pb', plays: [play([waitForMarker({ delay: 3600 })])] }, { signal: controller.signal });
    // In the delay once the first retry is announced (waited for, not assumed after a fixed moment).
    while (ofType(h.events, 'host.retry').length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ofType(h.events, 'host.retry')).toHaveLength(1);
    controller.abort('SIGINT');
    const summary = await run;
    expect(reads.get('a')).toBe(1);
    expect(summary.outcome).toBe('interrupted');
    expect(ofType(h.events, 'host.result')[0]?.error?.message).toBe('interrupted while waiting to retry, after 1 of 4 attempts');
  });

  it('bad retry settings are BAD_INPUT naming the field, before anything connects', async () => {
    const h = harness({ a: {} });
    const bad = play([
      task(probe, {}, { name: 'negative', retries: -1 }),
      task(probe, {}, { name: 'nan delay', retries: 1, delay: Number.NaN }),
      task(probe, {}, { name: 'delay alone', delay: 2 }),
    ]);
    await expect(h.run({ name: 'pb', plays: [bad] })).rejects.toThrow(
      /tasks\[0\] "negative": retries: expected a whole number[\s\S]*tasks\[1\] "nan delay": delay: expected seconds[\s\S]*tasks\[2\] "delay alone": delay: has no effect without until or retries/,
    );
    expect(h.fleet.connects).toEqual([]);
  });
});
