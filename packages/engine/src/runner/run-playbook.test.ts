import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModule } from '../module/contract.js';
import { FakeTransport } from '../testing/index.js';
import { applied, command, harness, ofType, probe, results, setting } from './__fixtures__/harness.js';
import { definePlaybook, resultRef, task } from './types.js';

beforeEach(() => {
  applied.length = 0;
});

describe('runPlaybook: order and parallelism', () => {
  it('runs tasks in order, each on every host before the next starts', async () => {
    const h = harness({ a: {}, b: {}, c: {} });
    const summary = await h.run(
      definePlaybook({
        name: 'pb',
        plays: [{ name: 'p', hosts: 'all', tasks: [task(setting, { path: '/x', value: '1' }, { name: 'first' }), task(setting, { path: '/y', value: '2' }, { name: 'second' })] }],
      }),
    );
    expect(summary.outcome).toBe('ok');
    const starts = h.events.map((e, i) => (e.type === 'task.start' ? i : -1)).filter((i) => i >= 0);
    const firstResults = h.events.map((e, i) => (e.type === 'host.result' && e.task === 'first' ? i : -1)).filter((i) => i >= 0);
    const secondResults = h.events.map((e, i) => (e.type === 'host.result' && e.task === 'second' ? i : -1)).filter((i) => i >= 0);
    expect(firstResults).toHaveLength(3);
    expect(Math.max(...firstResults)).toBeLessThan(starts[1]!);
    expect(Math.min(...secondResults)).toBeGreaterThan(starts[1]!);
    expect(summary.hosts.a).toMatchObject({ changed: 2, ok: 0, failed: 0 });
    expect(h.fleet.transport('a').readFile('/y')).toBe('2');
  });

  it('works on at most `forks` hosts at a time and opens each connection once', async () => {
    let running = 0;
    let peak = 0;
    const slow = defineModule({
      name: 'slow',
      params: z.object({}),
      async gather() {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return {};
      },
      plan: () => [],
      apply: async () => undefined,
    });
    const h = harness({ a: {}, b: {}, c: {}, d: {}, e: {} });
    await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(slow, {}), task(slow, {})] }] }, { forks: 2 });
    expect(peak).toBe(2);
    expect(h.fleet.connects.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([...h.fleet.transports.values()].every((t) => t.closed)).toBe(true);
  });

  it('runs serial batches in turn, each with its own play.start', async () => {
    const h = harness({ a: {}, b: {}, c: {}, d: {}, e: {} });
    await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', serial: [1, '40%'], tasks: [task(probe, {}, { name: 't1' }), task(probe, {}, { name: 't2' })] }] });
    expect(ofType(h.events, 'play.start').map((e) => [e.hosts, e.batch])).toEqual([
      [['a'], { index: 1, of: 3 }],
      [['b', 'c'], { index: 2, of: 3 }],
      [['d', 'e'], { index: 3, of: 3 }],
    ]);
    // Batch 1 finishes both tasks before batch 2 starts.
    expect(results(h.events).slice(0, 2)).toEqual(['t1@a=ok', 't2@a=ok']);
  });

  it('intersects play hosts with --limit', async () => {
    const h = harness({ a: {}, b: {}, c: {} }, { web: ['a', 'b'] });
    await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'web', tasks: [task(probe, {})] }] }, { limit: 'b:c' });
    expect(results(h.events)).toEqual(['probe@b=ok']);
  });
});

describe('runPlaybook: task options', () => {
  it('when, loop (item label), typed register, changedWhen, failedWhen, ignoreErrors', async () => {
    const written = resultRef<{ written: string }>('written');
    const h = harness({ a: { want: true }, b: { want: false } });
    const summary = await h.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          tasks: [
            task(setting, { path: '/w', value: 'v' }, { name: 'gated', when: (host) => host.vars.want === true, register: written }),
            task(setting, (_h, item: string) => ({ path: `/loop/${item}`, value: item }), {
              name: 'looped',
              loop: ['x', 'y'],
              when: (host, item) => host.name === 'a' || item === 'y',
            }),
            task(setting, { path: '/never-changed', value: 'v' }, { name: 'quiet', changedWhen: () => false }),
            task(probe, {}, { name: 'forced-failure', failedWhen: (result) => result !== undefined, ignoreErrors: true }),
            task(probe, { fail: true }, { name: 'tolerated', failedWhen: () => false }),
            task(setting, (host) => ({ path: '/echo', value: host.result(written)?.output && !(host.result(written)?.skipped) ? 'registered' : 'skipped' }), { name: 'reads-register' }),
          ],
        },
      ],
    });
    expect(summary.outcome).toBe('ok');
    expect(results(h.events)).toEqual(
      expect.arrayContaining([
        'gated@a=changed',
        'gated@b=skipped',
        'looped@a=changed[x]',
        'looped@a=changed[y]',
        'looped@b=skipped[x]',
        'looped@b=changed[y]',
        'quiet@a=ok',
        'forced-failure@a=ok',
        'tolerated@a=ok',
      ]),
    );
    expect(h.fleet.transport('a').readFile('/echo')).toBe('registered');
    expect(h.fleet.transport('b').readFile('/echo')).toBe('skipped');
    expect(ofType(h.events, 'host.result').find((e) => e.task === 'forced-failure' && e.host === 'a')).toMatchObject({ ignored: true, status: 'ok' });
    // A loop counts once: a has gated, looped, reads-register changed; forced-failure counts ok + ignored.
    expect(summary.hosts.a).toMatchObject({ changed: 3, ok: 3, ignored: 1, skipped: 0, failed: 0 });
    expect(summary.hosts.b).toMatchObject({ changed: 2, skipped: 1, ignored: 1 });
  });

  it('registers a loop result with one entry per item', async () => {
    const looped = resultRef<{ written: string }>('looped');
    const seen: unknown[] = [];
    const h = harness({ a: {} });
    await h.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          tasks: [
            task(setting, (_h, item: number) => ({ path: `/n${item}`, value: String(item) }), { loop: [1, 2], register: looped }),
            task(probe, (host) => {
              seen.push(host.result(looped));
              return {};
            }),
          ],
        },
      ],
    });
    // Params functions may be called more than once (validation, fact prefetch): the last call is the task's own.
    expect(seen.at(-1)).toMatchObject({ status: 'changed', changed: true, results: [{ status: 'changed', output: { written: '/n1' } }, { status: 'changed' }] });
  });

  it('runOnce runs on the first host and registers the result everywhere in the batch', async () => {
    const token = resultRef<{ stdout: string }>('token');
    const h = harness({ m1: {}, m2: {}, m3: {} });
    await h.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          tasks: [
            task(command, { cmd: 'mint-token' }, { name: 'mint', runOnce: true, register: token }),
            task(setting, (host) => ({ path: '/token', value: host.output(token).stdout }), { name: 'use' }),
          ],
        },
      ],
    });
    expect(results(h.events).filter((r) => r.startsWith('mint'))).toEqual(['mint@m1=changed']);
    expect(applied.filter((a) => a.module === 'command')).toEqual([{ module: 'command', host: 'm1', detail: 'mint-token' }]);
    for (const host of ['m1', 'm2', 'm3']) expect(h.fleet.transport(host).readFile('/token')).toBe('ran: mint-token');
  });

  it('tags and skipTags pick tasks; always runs; never runs only when asked', async () => {
    const h = harness({ a: {} });
    const play = {
      name: 'p',
      hosts: 'all',
      tasks: [
        task(probe, {}, { name: 'untagged' }),
        task(probe, {}, { name: 'net', tags: ['net'] }),
        task(probe, {}, { name: 'always', tags: ['always'] }),
        task(probe, {}, { name: 'debug', tags: ['never', 'debug'] }),
      ],
    };
    await h.run({ name: 'pb', plays: [play] }, { tags: ['net'] });
    expect(results(h.events)).toEqual(['net@a=ok', 'always@a=ok']);
    h.events.length = 0;
    await h.run({ name: 'pb', plays: [play] }, { skipTags: ['net'] });
    expect(results(h.events)).toEqual(['untagged@a=ok', 'always@a=ok']);
    h.events.length = 0;
    await h.run({ name: 'pb', plays: [play] }, { tags: ['debug'] });
    expect(results(h.events)).toEqual(['always@a=ok', 'debug@a=ok']);
  });

  it('delegateTo localhost runs on the controller transport, registered on the host', async () => {
    const local = new FakeTransport('localhost', { handler: (text) => ({ stdout: `local: ${text}` }) });
    const out = resultRef<{ stdout: string }>('out');
    const h = harness({ node1: {} }, {}, { localTransport: local });
    await h.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          tasks: [
            task(command, { cmd: 'rke up' }, { delegateTo: 'localhost', register: out }),
            task(setting, (host) => ({ path: '/out', value: host.output(out).stdout }), {}),
          ],
        },
      ],
    });
    expect(local.commands).toEqual(['rke up']);
    expect(h.fleet.transport('node1').commands).toEqual([]);
    expect(h.fleet.transport('node1').readFile('/out')).toBe('local: rke up');
    expect(results(h.events)[0]).toBe('command@node1=changed');
  });

  it('merges vars: inventory < play vars < extra vars, and host.var() names host, variable and expectation', async () => {
    const seen: Record<string, unknown> = {};
    const h = harness({ a: { x: 'inv', y: 'inv', z: 'inv' }, b: { port: 'not-a-number' } });
    const summary = await h.run(
      {
        name: 'pb',
        plays: [
          {
            name: 'p',
            hosts: 'all',
            vars: { y: 'play', z: 'play' },
            tasks: [
              task(probe, (host) => {
                if (host.name === 'a') Object.assign(seen, { x: host.vars.x, y: host.vars.y, z: host.vars.z, other: host.hostvars('b').port, groups: host.groups.all });
                else host.var('port', z.number());
                return {};
              }),
            ],
          },
        ],
      },
      { extraVars: { z: 'extra' }, validate: false },
    );
    expect(seen).toEqual({ x: 'inv', y: 'play', z: 'extra', other: 'not-a-number', groups: ['a', 'b'] });
    const failure = ofType(h.events, 'host.result').find((e) => e.host === 'b');
    expect(failure?.status).toBe('failed');
    expect(failure?.error?.code).toBe('BAD_INPUT');
    expect(failure?.error?.message).toMatch(/host "b": variable "port": .*expected number/);
    expect(summary.outcome).toBe('host-failed');
  });
});
