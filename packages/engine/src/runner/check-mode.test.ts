import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModule } from '../module/contract.js';
import { KnownAfterApply } from '../module/unknown.js';
import { applied, command, harness, ofType, results, setting } from './__fixtures__/harness.js';
import { definePlaybook, handler, resultRef, task } from './types.js';

beforeEach(() => {
  applied.length = 0;
});

/** A module whose apply must never run in check mode: it records and throws. */
const guarded = defineModule({
  name: 'guarded',
  params: z.object({ target: z.string() }),
  plan: (_f, params) => [{ kind: 'guarded.write', target: params.target, summary: `write ${params.target}`, payload: null }],
  async apply(ctx) {
    applied.push({ module: 'guarded', host: ctx.host, detail: 'APPLY IN CHECK MODE' });
    throw new Error('apply called in check mode');
  },
});

describe('check mode', () => {
  it('never calls apply, handlers included; reports planned changes and "would run" handlers', async () => {
    const h = harness({ a: {}, b: {} });
    const summary = await h.run(
      definePlaybook({
        name: 'pb',
        plays: [
          {
            name: 'p',
            hosts: 'all',
            handlers: [handler('restart', guarded, { target: 'service' })],
            tasks: [
              task(guarded, { target: '/etc/x' }, { notify: ['restart'] }),
              task(setting, { path: '/y', value: '1' }, { loop: [1, 2] }),
              task(command, { cmd: 'touch /z' }),
            ],
          },
        ],
      }),
      { check: true, diff: true },
    );
    expect(applied).toEqual([]);
    expect(summary.outcome).toBe('ok');
    const handlerResults = ofType(h.events, 'host.result').filter((e) => e.handler);
    expect(handlerResults.map((e) => `${e.task}@${e.host}=${e.status}`).sort()).toEqual(['restart@a=changed', 'restart@b=changed']);
    expect(handlerResults[0]?.changes).toEqual([{ kind: 'guarded.write', target: 'service', summary: 'write service' }]);
    expect(ofType(h.events, 'handler.notified').every((e) => e.check)).toBe(true);
    expect(ofType(h.events, 'host.result').find((e) => e.task === 'setting')?.diff).toContain('+ 1');
    expect(h.fleet.transport('a').readFile('/y')).toBeUndefined();
    expect(ofType(h.events, 'run.start')[0]).toMatchObject({ check: true, diff: true });
  });

  it('a value minted on a master and used by workers is "known after apply": a planned change, not a failure', async () => {
    const join = resultRef<{ stdout: string }>('join');
    const h = harness({ master: {}, w1: {}, w2: {} }, { masters: ['master'], workers: ['w1', 'w2'] });
    const playbook = definePlaybook({
      name: 'cluster',
      plays: [
        { name: 'masters', hosts: 'masters', tasks: [task(command, { cmd: 'kubeadm token create --print-join-command' }, { name: 'mint join', register: join })] },
        {
          name: 'workers',
          hosts: 'workers',
          tasks: [
            task(command, (host) => ({ cmd: host.output(join, 'master').stdout }), { name: 'join', register: resultRef('joined') }),
            task(command, (host) => ({ cmd: `echo ${String((host.result(resultRef<{ stdout: string }>('joined'))?.output as { stdout?: string } | undefined)?.stdout)}` }), { name: 'after join' }),
          ],
        },
      ],
    });
    const summary = await h.run(playbook, { check: true });
    expect(applied).toEqual([]);
    expect(summary.outcome).toBe('ok');
    const joins = ofType(h.events, 'host.result').filter((e) => e.task === 'join');
    expect(joins).toHaveLength(2);
    for (const e of joins) {
      expect(e).toMatchObject({ status: 'changed', knownAfterApply: true });
      expect(e.changes[0]?.summary).toBe('known after apply: command output on master');
    }
    expect(summary.hosts.w1).toMatchObject({ changed: 2, failed: 0 });

    // The same playbook applied for real: the workers get the master's value.
    h.events.length = 0;
    const real = await h.run(playbook);
    expect(real.outcome).toBe('ok');
    expect(h.fleet.transport('w1').commands).toContain('ran: kubeadm token create --print-join-command');
  });

  it('outside check mode an unknown value is a failure (a bug), not a planned change', async () => {
    const h2 = harness({ a: {} });
    const ref = resultRef<{ written: string }>('k');
    const summary2 = await h2.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          tasks: [
            // changedWhen smuggles a KnownAfterApply into the registered output of a real run.
            task(setting, { path: '/k', value: 'v' }, { register: ref, changedWhen: (r) => ((r as { output: unknown }).output = new KnownAfterApply('forced'), true) }),
            task(setting, (host) => ({ path: '/use', value: host.output(ref).written }), { name: 'use' }),
          ],
        },
      ],
    });
    expect(summary2.outcome).toBe('host-failed');
    expect(ofType(h2.events, 'host.result').find((e) => e.task === 'use')?.error?.code).toBe('KNOWN_AFTER_APPLY');
    expect(results(h2.events)).toEqual(['setting@a=changed', 'use@a=failed']);
  });
});
