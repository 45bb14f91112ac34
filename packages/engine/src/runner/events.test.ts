import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sh } from '../command.js';
import { defineModule } from '../module/contract.js';
import { Secret, secret } from '../secret.js';
import { command, harness, ofType, setting } from './__fixtures__/harness.js';
import { task } from './types.js';

describe('events', () => {
  it('come in a deterministic order with recap before run.end', async () => {
    const talkative = defineModule({
      name: 'talkative',
      params: z.object({}),
      async gather(ctx) {
        ctx.progress('halfway');
        await ctx.run(sh`true`);
        return {};
      },
      plan: () => [],
      apply: async () => undefined,
    });
    const h = harness({ a: {}, b: {} });
    const summary = await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(talkative, {}), task(setting, { path: '/x', value: '1' })] }] }, { playbookName: 'site.ts' });
    const types = h.events.map((e) => e.type);
    expect(types).toEqual([
      'run.start',
      'play.start',
      'task.start',
      'host.progress',
      'host.progress',
      'host.result',
      'host.result',
      'task.start',
      'host.result',
      'host.result',
      'play.end',
      'recap',
      'run.end',
    ]);
    expect(ofType(h.events, 'run.start')[0]).toMatchObject({ playbook: 'site.ts', hosts: ['a', 'b'], check: false });
    const recap = ofType(h.events, 'recap')[0]!;
    // talkative: one run; setting: one get and one put.
    expect(recap.hosts.a).toEqual({ ok: 1, changed: 1, failed: 0, skipped: 0, unreachable: 0, ignored: 0, rescued: 0, roundTrips: 3 });
    expect(summary.hosts).toEqual(recap.hosts);
    expect(ofType(h.events, 'run.end')[0]).toMatchObject({ outcome: 'ok' });
    const changed = ofType(h.events, 'host.result').find((e) => e.status === 'changed')!;
    expect(changed.changes).toEqual([{ kind: 'setting.value', target: '/x', summary: '/x: (absent) → 1' }]);
    expect(changed.diff).toBeUndefined();
    expect(typeof changed.time).toBe('number');
  });

  it('never carry a secret: not from params, a careless change summary, a loop item, or stderr', async () => {
    const token = 'abcd1234.TOKENSECRET0042';
    const careless = defineModule({
      name: 'careless',
      params: z.object({ token: z.instanceof(Secret) }),
      // A buggy module that puts the secret's text into its summary.
      plan: (_f, params) => [{ kind: 'careless.set', target: 'token', summary: `token is ${params.token.reveal()}`, after: params.token.reveal(), payload: null }],
      apply: async () => ({ echoed: 'ok' }),
    });
    const h = harness({ a: {} });
    h.fleet.handler = (text) => (text.includes('join') ? { stderr: `error: bad token ${token} for join`, exitCode: 1 } : { stdout: '' });
    const tokenSecret = secret(token);
    const summary = await h.run(
      {
        name: 'pb',
        plays: [
          {
            name: 'p',
            hosts: 'all',
            tasks: [
              task(careless, { token: tokenSecret }, { name: 'set token' }),
              task(careless, (_h, item: Secret) => ({ token: item }), { name: 'looped', loop: [tokenSecret] }),
              task(command, { cmd: `kubeadm join --token ${token}` }, { name: 'join' }),
            ],
          },
        ],
      },
      { diff: true },
    );
    expect(summary.outcome).toBe('host-failed');
    const all = JSON.stringify(h.events);
    expect(all).not.toContain(token);
    expect(all).toContain('***');
    const failure = ofType(h.events, 'host.result').find((e) => e.task === 'join')!;
    expect(failure.status).toBe('failed');
    expect(failure.error?.code).toBe('COMMAND_FAILED');
    expect(failure.message).toContain('stderr: error: bad token *** for join');
  });
});
