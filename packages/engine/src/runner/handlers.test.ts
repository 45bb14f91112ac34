import { beforeEach, describe, expect, it } from 'vitest';
import { applied, command, harness, ofType, probe, results, setting } from './__fixtures__/harness.js';
import { flushHandlers, handler, task } from './types.js';
import type { Play } from './types.js';

beforeEach(() => {
  applied.length = 0;
});

const handlers = [
  handler('first', command, { cmd: 'handler-first' }),
  handler('second', command, { cmd: 'handler-second' }),
  handler('unused', command, { cmd: 'handler-unused' }),
];

describe('handlers', () => {
  it('run once per host at the end of the play, in definition order, only where a change notified them', async () => {
    const h = harness({ a: {}, b: {} });
    const play: Play = {
      name: 'p',
      hosts: 'all',
      handlers,
      tasks: [
        // Notifies in reverse order and twice: handlers still run in definition order, once.
        task(setting, { path: '/1', value: '1' }, { name: 'change-1', notify: ['second', 'first'], when: (host) => host.name === 'a' }),
        task(setting, { path: '/2', value: '2' }, { name: 'change-2', notify: ['second'] }),
        task(probe, {}, { name: 'no-change', notify: ['unused'] }),
        task(probe, {}, { name: 'last' }),
      ],
    };
    await h.run({ name: 'pb', plays: [play] });
    const names = h.events.flatMap((e) => (e.type === 'task.start' ? [`${e.task}${e.handler ? ' (handler)' : ''}`] : []));
    expect(names).toEqual(['change-1', 'change-2', 'no-change', 'last', 'first (handler)', 'second (handler)']);
    expect(results(h.events).filter((r) => r.startsWith('first'))).toEqual(['first@a=changed']);
    expect(results(h.events).filter((r) => r.startsWith('second')).sort()).toEqual(['second@a=changed', 'second@b=changed']);
    expect(applied.filter((x) => x.detail === 'handler-second')).toHaveLength(2);
    expect(ofType(h.events, 'handler.notified').map((e) => `${e.handler}@${e.host}`)).toEqual(['second@a', 'first@a', 'second@b']);
  });

  it('does not notify when nothing changed (second run is idempotent)', async () => {
    const h = harness({ a: {} });
    const play: Play = { name: 'p', hosts: 'all', handlers, tasks: [task(setting, { path: '/1', value: '1' }, { notify: ['first'] })] };
    await h.run({ name: 'pb', plays: [play] });
    h.events.length = 0;
    await h.run({ name: 'pb', plays: [play] });
    expect(ofType(h.events, 'handler.notified')).toEqual([]);
    expect(results(h.events)).toEqual(['setting@a=ok']);
  });

  it('flushHandlers runs pending handlers mid-play; they run again at the end only if notified again', async () => {
    const h = harness({ a: {} });
    await h.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          handlers,
          tasks: [
            task(setting, { path: '/1', value: '1' }, { name: 't1', notify: ['first'] }),
            flushHandlers(),
            task(setting, { path: '/2', value: '2' }, { name: 't2', notify: ['second'] }),
          ],
        },
      ],
    });
    const names = h.events.flatMap((e) => (e.type === 'task.start' ? [e.task] : []));
    expect(names).toEqual(['t1', 'first', 't2', 'second']);
  });

  it('do not run on a host that failed after notifying', async () => {
    const h = harness({ a: {}, b: {} });
    await h.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          handlers,
          tasks: [task(setting, { path: '/1', value: '1' }, { notify: ['first'] }), task(probe, (host) => ({ fail: host.name === 'b' }))],
        },
      ],
    });
    expect(results(h.events).filter((r) => r.startsWith('first'))).toEqual(['first@a=changed']);
  });

  it('a handler may notify a later handler', async () => {
    const h = harness({ a: {} });
    await h.run({
      name: 'pb',
      plays: [
        {
          name: 'p',
          hosts: 'all',
          handlers: [handler('reload', command, { cmd: 'reload' }, { notify: ['restart'] }), handler('restart', command, { cmd: 'restart' })],
          tasks: [task(setting, { path: '/1', value: '1' }, { notify: ['reload'] })],
        },
      ],
    });
    expect(applied.map((x) => x.detail)).toEqual(['/1', 'reload', 'restart']);
  });
});
