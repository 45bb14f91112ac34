import { beforeEach, describe, expect, it } from 'vitest';
import { applied, command, harness, ofType, probe, results, setting } from './__fixtures__/harness.js';
import { listTasks } from './list.js';
import { itemsFrom } from './play-steps.js';
import { block, flushHandlers, handler, task } from './types.js';
import type { Play, PlayItem } from './types.js';

const failOn = (name: string, ...hosts: string[]) => task(probe, (host) => ({ fail: hosts.includes(host.name) }), { name });
const ok = (name: string) => task(probe, {}, { name });
const play = (tasks: readonly PlayItem[], extra: Partial<Play> = {}): Play => ({ name: 'p', hosts: 'all', tasks, ...extra });
const ran = (events: Parameters<typeof results>[0], task: string) =>
  results(events)
    .filter((r) => r.startsWith(`${task}@`))
    .sort();

beforeEach(() => {
  applied.length = 0;
});

describe('block / rescue / always', () => {
  it('a failure goes to the rescue on that host only; always runs everywhere; the rescued host is not failed and goes on', async () => {
    const h = harness({ a: {}, b: {} });
    const summary = await h.run({
      name: 'pb',
      plays: [
        play([
          block('guarded', [failOn('may fail', 'b'), ok('rest of block')], { rescue: [ok('clean up')], always: [ok('report')] }),
          ok('after the block'),
        ]),
      ],
    });
    expect(ran(h.events, 'may fail')).toEqual(['may fail@a=ok', 'may fail@b=failed']);
    expect(ran(h.events, 'rest of block')).toEqual(['rest of block@a=ok']);
    expect(ran(h.events, 'clean up')).toEqual(['clean up@b=ok']);
    expect(ran(h.events, 'report')).toEqual(['report@a=ok', 'report@b=ok']);
    expect(ran(h.events, 'after the block')).toEqual(['after the block@a=ok', 'after the block@b=ok']);
    expect(summary.hosts.b).toMatchObject({ ok: 3, failed: 0, rescued: 1 });
    expect(summary.hosts.a).toMatchObject({ ok: 4, failed: 0, rescued: 0 });
    expect(summary.outcome).toBe('ok');
    // The failure's event says the rescue takes over.
    expect(ofType(h.events, 'host.result').find((e) => e.status === 'failed')).toMatchObject({ host: 'b', rescue: true });
    expect(ofType(h.events, 'recap')[0]!.hosts.b).toMatchObject({ failed: 0, rescued: 1 });
  });

  it('without a rescue the host fails, always still runs on it, and nothing after the block does', async () => {
    const h = harness({ a: {}, b: {} });
    const summary = await h.run({ name: 'pb', plays: [play([block('unguarded', [failOn('may fail', 'b'), ok('rest')], { always: [ok('report')] }), ok('after')])] });
    expect(ran(h.events, 'report')).toEqual(['report@a=ok', 'report@b=ok']);
    expect(ran(h.events, 'rest')).toEqual(['rest@a=ok']);
    expect(ran(h.events, 'after')).toEqual(['after@a=ok']);
    expect(summary.hosts.b).toMatchObject({ failed: 1, rescued: 0 });
    expect(summary.outcome).toBe('host-failed');
    expect(ofType(h.events, 'host.result').find((e) => e.status === 'failed')).not.toHaveProperty('rescue');
  });

  it('a rescue that fails fails the host (rescued and failed both counted); always runs; a failure in always fails the host too', async () => {
    const h = harness({ a: {}, b: {} });
    const summary = await h.run({
      name: 'pb',
      plays: [
        play([
          block('x', [failOn('first', 'a', 'b')], { rescue: [failOn('rescue fails', 'a'), ok('rescue goes on')], always: [failOn('always fails', 'b'), ok('always goes on')] }),
          ok('after'),
        ]),
      ],
    });
    expect(ran(h.events, 'rescue goes on')).toEqual(['rescue goes on@b=ok']);
    expect(ran(h.events, 'always goes on')).toEqual(['always goes on@a=ok']);
    expect(ran(h.events, 'after')).toEqual([]);
    expect(summary.hosts.a).toMatchObject({ failed: 1, rescued: 1 });
    expect(summary.hosts.b).toMatchObject({ failed: 1, rescued: 1 });
  });

  it('nested: an inner block without rescue runs its always, then the outer rescue takes the host', async () => {
    const h = harness({ a: {} });
    const summary = await h.run({
      name: 'pb',
      plays: [
        play([
          block('outer', [block('inner', [failOn('inner task', 'a'), ok('inner rest')], { always: [ok('inner always')] }), ok('outer rest')], {
            rescue: [ok('outer rescue')],
            always: [ok('outer always')],
          }),
        ]),
      ],
    });
    expect(results(h.events)).toEqual(['inner task@a=failed', 'inner always@a=ok', 'outer rescue@a=ok', 'outer always@a=ok']);
    expect(summary.hosts.a).toMatchObject({ failed: 0, rescued: 1 });
  });

  it('when, tags and become are inherited by every task inside (rescue and always too)', async () => {
    const h = harness({ a: { role: 'db' }, b: { role: 'web' } });
    const guarded = block('db only', [failOn('db task', 'a')], {
      when: (host) => host.vars['role'] === 'db',
      tags: ['db'],
      become: { user: 'postgres' },
      rescue: [task(command, { cmd: 'echo rescued' }, { name: 'db rescue' })],
      always: [ok('db always')],
    });
    await h.run({ name: 'pb', plays: [play([guarded, ok('untagged')])] }, { tags: ['db'] });
    // Hosts run in parallel: compared as a set; the task order is checked by task.start.
    expect(results(h.events).sort()).toEqual(['db always@a=ok', 'db always@b=skipped', 'db rescue@a=changed', 'db task@a=failed', 'db task@b=skipped']);
    expect(ofType(h.events, 'task.start').map((e) => e.task)).toEqual(['db task', 'db rescue', 'db always']);
    const rescueCommand = h.fleet.transport('a').operations.find((op) => op.kind === 'run' && op.text.includes('echo rescued'));
    expect(rescueCommand).toMatchObject({ options: { become: { user: 'postgres' } } });
  });

  it('handlers notified inside a block (its tasks, rescue or always) fire; flushHandlers works inside it', async () => {
    const h = harness({ a: {} });
    await h.run({
      name: 'pb',
      plays: [
        play(
          [
            block('b', [task(setting, { path: '/1', value: '1' }, { name: 'change', notify: ['first'] }), flushHandlers(), failOn('fail', 'a')], {
              rescue: [task(setting, { path: '/2', value: '2' }, { name: 'rescue change', notify: ['second'] })],
            }),
          ],
          { handlers: [handler('first', command, { cmd: 'h1' }), handler('second', command, { cmd: 'h2' })] },
        ),
      ],
    });
    expect(results(h.events)).toEqual(['change@a=changed', 'first@a=changed', 'fail@a=failed', 'rescue change@a=changed', 'second@a=changed']);
  });

  it('check mode: the block plans, rescue and always plan too, nothing is applied', async () => {
    const h = harness({ a: {} });
    const summary = await h.run(
      {
        name: 'pb',
        plays: [
          play([
            block('b', [task(setting, { path: '/x', value: '1' }, { name: 'write' }), failOn('check fails', 'a')], {
              rescue: [task(setting, { path: '/x', value: 'rescued' }, { name: 'undo' })],
              always: [task(command, { cmd: 'report' }, { name: 'report' })],
            }),
          ]),
        ],
      },
      { check: true },
    );
    expect(results(h.events)).toEqual(['write@a=changed', 'check fails@a=failed', 'undo@a=changed', 'report@a=changed']);
    expect(applied).toEqual([]);
    expect(summary.hosts.a).toMatchObject({ changed: 3, failed: 0, rescued: 1 });
  });

  it('an interrupt before the rescue could run counts the failure as failed, not rescued', async () => {
    const h = harness({ a: {}, b: {} });
    const controller = new AbortController();
    const summary = await h.run(
      {
        name: 'pb',
        plays: [
          play([
            block('b', [failOn('fail', 'a'), task(probe, () => (controller.abort('SIGINT'), {}), { name: 'interrupts' })], { rescue: [ok('rescue')], always: [ok('always')] }),
          ]),
        ],
      },
      { signal: controller.signal, validate: false },
    );
    expect(ran(h.events, 'rescue')).toEqual([]);
    expect(summary.hosts.a).toMatchObject({ failed: 1, rescued: 0 });
    expect(summary.outcome).toBe('interrupted');
  });

  it('--list-tasks shows each task with its blocks; block tags are added to its tasks', () => {
    const listed = listTasks({
      name: 'pb',
      plays: [play([ok('first'), block('outer', [block('inner', [ok('deep')]), ok('shallow')], { tags: ['t'], rescue: [ok('fix')], always: [ok('end')] })])],
    });
    expect(listed[0]!.tasks).toEqual([
      { name: 'first', tags: [] },
      { name: 'deep', tags: ['t'], blocks: [{ name: 'outer', section: 'tasks' }, { name: 'inner', section: 'tasks' }] },
      { name: 'shallow', tags: ['t'], blocks: [{ name: 'outer', section: 'tasks' }] },
      { name: 'fix', tags: ['t'], blocks: [{ name: 'outer', section: 'rescue' }] },
      { name: 'end', tags: ['t'], blocks: [{ name: 'outer', section: 'always' }] },
    ]);
  });

  it('--start-at-task inside a block keeps the block (rescue and always) from that task on', async () => {
    const items = [ok('before'), block('b', [ok('one'), ok('two')], { rescue: [ok('fix')], always: [ok('end')] }), ok('after')];
    const from = itemsFrom(items, 'two')!;
    const h = harness({ a: {} });
    await h.run({ name: 'pb', plays: [play(from)] });
    expect(results(h.events)).toEqual(['two@a=ok', 'end@a=ok', 'after@a=ok']);
    expect(itemsFrom(items, 'fix')).toBeUndefined();
    expect(itemsFrom(items, 'end')!.map((i) => (i.kind === 'block' ? `block:${i.tasks.length}:${i.always?.length}` : i.kind))).toEqual(['block:0:1', 'task']);
  });

  it('validation reaches tasks inside blocks, naming where they sit', async () => {
    const h = harness({ a: {} });
    const bad = play([block('outer', [ok('fine')], { rescue: [task(setting, { path: '/x' } as never, { name: 'broken' })] })]);
    await expect(h.run({ name: 'pb', plays: [bad] })).rejects.toThrow(/plays\[0\] "p" tasks\[0\] "outer" rescue\[0\] "broken": value/);
  });
});
