import { describe, expect, it } from 'vitest';
import { command, harness, ofType, probe, results, setting } from './__fixtures__/harness.js';
import { task } from './types.js';
import type { Play } from './types.js';

const hosts = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i + 1}`, {}]));
const failOn = (...names: string[]) => task(probe, (host) => ({ fail: names.includes(host.name) }), { name: 'maybe-fail' });
const after = task(probe, {}, { name: 'after' });

describe('failures', () => {
  it('a failed host stops only its own remaining tasks', async () => {
    const h = harness(hosts(3));
    const summary = await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [failOn('h2'), after] }] });
    expect(results(h.events)).toEqual(expect.arrayContaining(['maybe-fail@h2=failed', 'after@h1=ok', 'after@h3=ok']));
    expect(results(h.events)).not.toContain('after@h2=ok');
    expect(summary.hosts.h2).toMatchObject({ failed: 1, ok: 0 });
    expect(summary.outcome).toBe('host-failed');
    const error = ofType(h.events, 'host.result').find((e) => e.status === 'failed')?.error;
    expect(error).toEqual({ code: 'MODULE_FAILED', message: 'probe failed' });
  });

  it('later plays skip hosts that failed in an earlier one', async () => {
    const h = harness(hosts(2));
    await h.run({
      name: 'pb',
      plays: [
        { name: 'one', hosts: 'all', tasks: [failOn('h1')] },
        { name: 'two', hosts: 'all', tasks: [after] },
      ],
    });
    expect(results(h.events)).toEqual(['maybe-fail@h1=failed', 'maybe-fail@h2=ok', 'after@h2=ok']);
  });

  it('a play whose every host failed ends the playbook (Ansible), saying so', async () => {
    const h = harness(hosts(2));
    const summary = await h.run({
      name: 'pb',
      plays: [
        { name: 'one', hosts: 'h1', tasks: [failOn('h1')] },
        { name: 'two', hosts: 'all', tasks: [after] },
      ],
    });
    expect(results(h.events)).toEqual(['maybe-fail@h1=failed']);
    expect(summary.interrupted).toBe('every host of play "one" failed');
  });

  it('an unreachable host is reported once and the others go on; exit code UNREACHABLE', async () => {
    const h = harness(hosts(3));
    h.fleet.options.unreachable = ['h3'];
    const summary = await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [after, task(probe, {}, { name: 'again' })] }] });
    expect(results(h.events).filter((r) => r.includes('@h3'))).toEqual(['after@h3=unreachable']);
    expect(results(h.events)).toContain('again@h1=ok');
    expect(summary.hosts.h3).toMatchObject({ unreachable: 1, failed: 0 });
    expect(summary.outcome).toBe('unreachable');
    expect(ofType(h.events, 'host.result').find((e) => e.host === 'h3')?.error?.code).toBe('UNREACHABLE');
  });

  it('a connection that drops mid-run makes the host unreachable', async () => {
    const h = harness(hosts(2));
    const summary = await h.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          tasks: [
            task(probe, {}),
            task(setting, (host) => {
              if (host.name === 'h2') h.fleet.transport('h2').disconnect();
              return { path: '/p', value: 'v' };
            }, { name: 'drops' }),
            after,
          ],
        },
      ],
    });
    expect(results(h.events)).toEqual(expect.arrayContaining(['drops@h2=unreachable', 'after@h1=ok']));
    expect(summary.hosts.h2).toMatchObject({ ok: 1, unreachable: 1 });
  });

  it('a connection that dropped between tasks is opened again before the next one, visibly, with the host\'s facts read anew', async () => {
    const h = harness(hosts(2));
    h.fleet.transport('h2').writeFile('/p', 'old');
    h.fleet.handler = (text, { transport }) => {
      if (text.includes('drop-after') && transport.host === 'h2') {
        queueMicrotask(() => {
          transport.drop(false);
          transport.writeFile('/p', 'changed meanwhile');
        });
      }
      return { stdout: '' };
    };
    const summary = await h.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          tasks: [
            task(setting, { path: '/p', value: 'v' }, { name: 'first' }),
            // Its command ends, then the connection drops and the host changes while the run is away.
            task(command, { cmd: 'drop-after' }, { name: 'drop' }),
            task(setting, { path: '/p', value: 'v' }, { name: 'after the drop' }),
          ],
        },
      ],
    });
    expect(results(h.events)).toEqual(expect.arrayContaining(['first@h2=changed', 'after the drop@h2=changed', 'after the drop@h1=ok']));
    expect(ofType(h.events, 'host.reconnect')).toEqual([expect.objectContaining({ host: 'h2', reason: 'connection to fake lost: connection closed' })]);
    expect(h.fleet.connects.filter((c) => c === 'h2')).toHaveLength(2);
    expect(summary.outcome).toBe('ok');
  });

  it('a connection that dropped while a command ran is not opened again: that command\'s outcome is unknown', async () => {
    const h = harness(hosts(2));
    h.fleet.handler = (text, { transport }) => {
      if (transport.host !== 'h2') return { stdout: '' };
      transport.drop(true);
      throw transport.failure;
    };
    const summary = await h.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          tasks: [
            task(command, { cmd: 'drops-while-running' }, { name: 'drops' }),
            after,
          ],
        },
      ],
    });
    expect(results(h.events)).toEqual(expect.arrayContaining(['drops@h2=unreachable', 'after@h1=ok']));
    expect(ofType(h.events, 'host.reconnect')).toEqual([]);
    expect(summary.hosts.h2).toMatchObject({ ok: 0, unreachable: 1 });
  });

  it('maxFailPercentage stops the run after the task that crosses it (strictly greater)', async () => {
    const play = (maxFailPercentage: number): Play => ({ name: 'p', hosts: 'all', maxFailPercentage, tasks: [failOn('h1'), after] });
    // 1 of 4 = 25%: not more than 25, the play goes on.
    let h = harness(hosts(4));
    let summary = await h.run({ name: 'pb', plays: [play(25)] });
    expect(results(h.events).filter((r) => r.startsWith('after'))).toHaveLength(3);
    expect(summary.interrupted).toBeUndefined();
    // More than 20%: the play stops after maybe-fail, and later plays do not run.
    h = harness(hosts(4));
    summary = await h.run({ name: 'pb', plays: [play(20), { name: 'later', hosts: 'all', tasks: [after] }] });
    expect(results(h.events).filter((r) => r.startsWith('after'))).toEqual([]);
    expect(results(h.events).filter((r) => r.startsWith('maybe-fail'))).toHaveLength(4);
    expect(summary.interrupted).toMatch(/max_fail_percentage/);
    expect(summary.outcome).toBe('host-failed');
    expect(ofType(h.events, 'recap')[0]?.interrupted).toMatch(/max_fail_percentage/);
  });

  it('maxFailPercentage is per serial batch', async () => {
    const h = harness(hosts(4));
    // Batch 1 (h1, h2): 1 of 2 = 50% > 40%: stop before batch 2.
    await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', serial: 2, maxFailPercentage: 40, tasks: [failOn('h1'), after] }] });
    expect(results(h.events)).toEqual(expect.arrayContaining(['maybe-fail@h1=failed', 'maybe-fail@h2=ok']));
    expect(results(h.events).some((r) => r.includes('h3'))).toBe(false);
  });

  it('anyErrorsFatal stops every host after the failing task', async () => {
    const h = harness(hosts(3));
    const summary = await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', anyErrorsFatal: true, tasks: [after, failOn('h2'), after] }] });
    expect(results(h.events).filter((r) => r.startsWith('maybe-fail'))).toHaveLength(3);
    expect(results(h.events).filter((r) => r.startsWith('after'))).toHaveLength(3);
    expect(summary.interrupted).toMatch(/any_errors_fatal/);
    expect(summary.outcome).toBe('host-failed');
  });

  it('a failing runOnce task fails the whole batch', async () => {
    const h = harness(hosts(2));
    const summary = await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(probe, { fail: true }, { runOnce: true, name: 'once' }), after] }] });
    expect(results(h.events)).toEqual(['once@h1=failed', 'once@h2=failed']);
    expect(summary.hosts.h2).toMatchObject({ failed: 1 });
  });

  it('an error thrown by a params function fails that host with the message', async () => {
    const h = harness(hosts(1));
    await h.run(
      {
        name: 'pb',
        plays: [
          {
            name: 'p',
            hosts: 'all',
            tasks: [
              task(probe, () => {
                throw new Error('no such interface');
              }),
            ],
          },
        ],
      },
      { validate: false },
    );
    expect(ofType(h.events, 'host.result')[0]).toMatchObject({ status: 'failed', error: { message: 'no such interface' } });
  });

  it('bad params at run time name the task path and the field', async () => {
    const h = harness(hosts(1));
    await h.run(
      { name: 'pb', plays: [{ name: 'prepare', hosts: 'all', tasks: [after, task(probe, () => ({ waitMs: 'soon' }) as never, { name: 'sysctl' })] }] },
      { validate: false },
    );
    const error = ofType(h.events, 'host.result').find((e) => e.task === 'sysctl')?.error;
    expect(error?.code).toBe('BAD_INPUT');
    expect(error?.message).toMatch(/^plays\[0\] "prepare" tasks\[1\] "sysctl": waitMs: .*expected number/);
  });
});
