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
    // An interrupt stops everything: no always either, and no block.rescue or block.always event.
    expect(ran(h.events, 'always')).toEqual([]);
    expect(h.events.filter((e) => e.type === 'block.rescue' || e.type === 'block.always')).toEqual([]);
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

/** The command tasks' options on a host, by command text. */
const commandOptions = (h: ReturnType<typeof harness>, host: string, text: string) =>
  h.fleet.transport(host).operations.find((op) => op.kind === 'run' && op.text.includes(text));
const echo = (name: string, options: Parameters<typeof task>[2] = {}) => task(command, { cmd: `echo ${name}` }, { name, ...options });

describe('block keywords are inherited by every task inside, the task\'s own setting winning', () => {
  it('ignoreErrors: failures inside count as ok (so no rescue runs for them); a task saying false goes to the rescue', async () => {
    const h = harness({ a: {} });
    const summary = await h.run({
      name: 'pb',
      plays: [
        play([
          block('tolerant', [failOn('tolerated', 'a'), ok('goes on'), task(probe, { fail: true }, { name: 'strict', ignoreErrors: false })], {
            ignoreErrors: true,
            rescue: [failOn('rescue tolerated', 'a'), ok('rescue goes on')],
            always: [failOn('always tolerated', 'a')],
          }),
          ok('after'),
        ]),
      ],
    });
    expect(results(h.events)).toEqual([
      'tolerated@a=ok',
      'goes on@a=ok',
      'strict@a=failed',
      'rescue tolerated@a=ok',
      'rescue goes on@a=ok',
      'always tolerated@a=ok',
      'after@a=ok',
    ]);
    expect(ofType(h.events, 'host.result').filter((e) => e.ignored).map((e) => e.task)).toEqual(['tolerated', 'rescue tolerated', 'always tolerated']);
    expect(summary.hosts.a).toMatchObject({ failed: 0, rescued: 1, ignored: 3 });
  });

  it('delegateTo: every task inside runs on the delegate, rescue and always too, unless it names its own', async () => {
    const h = harness({ a: {}, b: {}, bastion: {} });
    await h.run({
      name: 'pb',
      plays: [
        play(
          [
            block('through the bastion', [echo('delegated'), task(probe, { fail: true }, { name: 'fails on the bastion' }), echo('skipped')], {
              delegateTo: 'bastion',
              rescue: [echo('rescue delegated'), echo('rescue on b', { delegateTo: 'b' })],
              always: [echo('always delegated')],
            }),
          ],
          { hosts: 'a' },
        ),
      ],
    });
    expect(results(h.events)).toEqual(['delegated@a=changed', 'fails on the bastion@a=failed', 'rescue delegated@a=changed', 'rescue on b@a=changed', 'always delegated@a=changed']);
    expect(h.fleet.transport('bastion').commands.filter((c) => c.startsWith('echo'))).toEqual(['echo delegated', 'echo rescue delegated', 'echo always delegated']);
    expect(h.fleet.transport('b').commands).toEqual(['echo rescue on b']);
    expect(h.fleet.transport('a').commands.filter((c) => c.startsWith('echo'))).toEqual([]);
  });

  it('become field by field: a task\'s become: true keeps the block\'s user; its own fields win; false turns it off; an inner block over an outer one', async () => {
    const h = harness({ a: {} });
    await h.run({
      name: 'pb',
      plays: [
        play([
          block(
            'as postgres',
            [
              echo('inherits'),
              echo('become true', { become: true }),
              echo('own method', { become: { method: 'su' } }),
              echo('own user', { become: { user: 'app' } }),
              echo('off', { become: false }),
              block('inner', [echo('inner method')], { become: { method: 'doas' } }),
            ],
            { become: { user: 'postgres' }, always: [echo('always inherits')] },
          ),
        ]),
      ],
    });
    const becomeOf = (text: string) => (commandOptions(h, 'a', `echo ${text}`) as { options: { become?: unknown } }).options.become;
    expect(becomeOf('inherits')).toEqual({ user: 'postgres' });
    expect(becomeOf('become true')).toEqual({ user: 'postgres' });
    expect(becomeOf('own method')).toEqual({ user: 'postgres', method: 'su' });
    expect(becomeOf('own user')).toEqual({ user: 'app' });
    expect(becomeOf('off')).toBe(false);
    expect(becomeOf('inner method')).toEqual({ user: 'postgres', method: 'doas' });
    expect(becomeOf('always inherits')).toEqual({ user: 'postgres' });
  });

  it("the play's become is merged the same way, play → block → task: become: true runs as the play's user, a task's user wins, false turns it off", async () => {
    const h = harness({ a: {} });
    await h.run({
      name: 'pb',
      plays: [
        play(
          [
            echo('play user'),
            echo('task become true', { become: true }),
            echo('task user', { become: { user: 'app' } }),
            echo('task off', { become: false }),
            block('not here', [echo('block off'), echo('on again', { become: true })], { become: false }),
            block('by su', [echo('block method')], { become: { method: 'su' } }),
            task(command, { cmd: 'echo notify' }, { name: 'notify', notify: ['restart'] }),
          ],
          { become: { user: 'postgres' }, handlers: [handler('restart', command, { cmd: 'echo handler' })] },
        ),
        { name: 'q', hosts: 'all', become: true, tasks: [echo('q own user', { become: { user: 'app' } }), echo('q plain')] },
      ],
    });
    const becomeOf = (text: string) => (commandOptions(h, 'a', `echo ${text}`) as { options: { become?: unknown } }).options.become;
    expect(becomeOf('play user')).toEqual({ user: 'postgres' });
    expect(becomeOf('task become true')).toEqual({ user: 'postgres' });
    expect(becomeOf('task user')).toEqual({ user: 'app' });
    expect(becomeOf('task off')).toBe(false);
    expect(becomeOf('block off')).toBe(false);
    // become, become_user and become_method are separate keywords: the block's false did not drop the play's user.
    expect(becomeOf('on again')).toEqual({ user: 'postgres' });
    expect(becomeOf('block method')).toEqual({ user: 'postgres', method: 'su' });
    expect(becomeOf('handler')).toEqual({ user: 'postgres' });
    expect(becomeOf('q own user')).toEqual({ user: 'app' });
    expect(becomeOf('q plain')).toBe(true);
  });

  it("the host's ansible_become_user and ansible_become_method override the user and method of the play's, blocks' and task's become (Ansible: variables over keywords); whether to become stays the keywords'", async () => {
    const h = harness({
      user: { ansible_become_user: 'app' },
      off: { ansible_become: false, ansible_become_user: 'app' },
      method: { ansible_become_method: 'su' },
      none: {},
    });
    await h.run({
      name: 'pb',
      plays: [
        play(
          [
            echo('play user'),
            echo('task user', { become: { user: 'www' } }),
            echo('task method', { become: { method: 'doas' } }),
            echo('task off', { become: false }),
            block('by doas', [echo('block method')], { become: { method: 'doas' } }),
          ],
          { become: { user: 'postgres' } },
        ),
        { name: 'q', hosts: 'all', tasks: [echo('no keyword')] },
      ],
    });
    const becomeOn = (host: string, text: string) => (commandOptions(h, host, `echo ${text}`) as { options: { become?: unknown } }).options.become;
    const on = (host: string) => ['play user', 'task user', 'task method', 'task off', 'block method', 'no keyword'].map((text) => becomeOn(host, text));
    // ansible_become_user wins over every become_user keyword; a keyword's become: false still turns it off.
    expect(on('user')).toEqual([{ user: 'app' }, { user: 'app' }, { user: 'app', method: 'doas' }, false, { user: 'app', method: 'doas' }, undefined]);
    // ansible_become does not turn a keyword's become on or off (meshbook tasks have no vars to undo it with).
    expect(on('off').slice(0, 5)).toEqual([{ user: 'app' }, { user: 'app' }, { user: 'app', method: 'doas' }, false, { user: 'app', method: 'doas' }]);
    // ansible_become_method wins over the keywords' method.
    expect(on('method')).toEqual([{ user: 'postgres', method: 'su' }, { user: 'www', method: 'su' }, { user: 'postgres', method: 'su' }, false, { user: 'postgres', method: 'su' }, undefined]);
    // No variables: the keywords decide, as before.
    expect(on('none')).toEqual([{ user: 'postgres' }, { user: 'www' }, { user: 'postgres', method: 'doas' }, false, { user: 'postgres', method: 'doas' }, undefined]);
  });

  it('runOnce and timeoutMs: the tasks inside run once for the batch, with the block\'s timeout unless they set their own', async () => {
    const h = harness({ a: {}, b: {} });
    await h.run({
      name: 'pb',
      plays: [play([block('once', [echo('once'), echo('everywhere', { runOnce: false, timeoutMs: 7000 })], { runOnce: true, timeoutMs: 4000 })])],
    });
    expect(ran(h.events, 'once')).toEqual(['once@a=changed']);
    expect(ran(h.events, 'everywhere')).toEqual(['everywhere@a=changed', 'everywhere@b=changed']);
    expect(commandOptions(h, 'a', 'echo once')).toMatchObject({ options: { timeoutMs: 4000 } });
    expect(commandOptions(h, 'b', 'echo everywhere')).toMatchObject({ options: { timeoutMs: 7000 } });
  });

  it('a keyword a block cannot pass on is refused before anything connects, naming the field, where it sits and the fix', async () => {
    const h = harness({ a: {} });
    const bad = { ...block('odd', [ok('one'), ok('two')], { delegateTo: 'nowhere' }), register: 'r', loop: [1], vars: { x: 1 }, retry: 3, ignoreErrors: 'yes' } as unknown as PlayItem;
    const error = await h.run({ name: 'pb', plays: [play([bad])] }).catch((e: Error) => e);
    const message = String((error as Error).message);
    expect(message).toContain('plays[0] "p" tasks[0] "odd": register: a block has no register, a task does: set it on the tasks inside the block');
    expect(message).toContain('plays[0] "p" tasks[0] "odd": loop: a block has no loop, a task does');
    expect(message).toContain('plays[0] "p" tasks[0] "odd": vars: not supported on a block (nor on a task)');
    expect(message).toContain('plays[0] "p" tasks[0] "odd": retry: not a block keyword; a block takes when, tags, become, ignoreErrors, delegateTo, timeoutMs, runOnce');
    expect(message).toContain('plays[0] "p" tasks[0] "odd": ignoreErrors: expected true or false, got yes');
    // The block's delegateTo is named once, on the block, not again on each of its tasks.
    expect(message.match(/delegateTo: "nowhere"/g)).toHaveLength(1);
    expect(message).toContain('plays[0] "p" tasks[0] "odd": delegateTo: "nowhere" is neither');
    expect(h.fleet.connects).toEqual([]);
  });
});

describe('blocks when the run stops', () => {
  it('any_errors_fatal: a host whose block failed runs always; a host doing fine in the block stops where it is; nothing after the block runs', async () => {
    const h = harness({ a: {}, b: {} });
    const summary = await h.run(
      { name: 'pb', plays: [play([block('fatal', [failOn('may fail', 'a'), ok('rest')], { always: [ok('report'), ok('report more')] }), ok('after')], { anyErrorsFatal: true })] },
    );
    expect(results(h.events)).toEqual(expect.arrayContaining(['may fail@a=failed', 'may fail@b=ok', 'report@a=ok', 'report more@a=ok']));
    expect(ran(h.events, 'rest')).toEqual([]);
    expect(ran(h.events, 'report')).toEqual(['report@a=ok']);
    expect(ran(h.events, 'after')).toEqual([]);
    expect(ofType(h.events, 'block.always')).toMatchObject([{ block: 'fatal', hosts: ['a'] }]);
    expect(summary).toMatchObject({ outcome: 'host-failed', interrupted: expect.stringContaining('any_errors_fatal') });
    expect(summary.hosts.a).toMatchObject({ failed: 1 });
  });

  it('any_errors_fatal tripped in a rescue: always still runs where the block failed (the failed rescue too) and where it finished; the other rescue finishes', async () => {
    const h = harness({ a: {}, b: {}, c: {} });
    const summary = await h.run({
      name: 'pb',
      plays: [
        play(
          [
            block('x', [failOn('first', 'a', 'b')], { rescue: [failOn('rescue fails', 'a'), ok('rescue goes on')], always: [ok('always')] }),
            ok('after'),
          ],
          { anyErrorsFatal: true },
        ),
      ],
    });
    expect(ran(h.events, 'rescue fails')).toEqual(['rescue fails@a=failed', 'rescue fails@b=ok']);
    expect(ran(h.events, 'rescue goes on')).toEqual(['rescue goes on@b=ok']);
    // c finished the block's tasks before the stop: its next task was in always, which Ansible lets run.
    expect(ran(h.events, 'always')).toEqual(['always@a=ok', 'always@b=ok', 'always@c=ok']);
    expect(ran(h.events, 'after')).toEqual([]);
    expect(summary.interrupted).toContain('any_errors_fatal');
    expect(summary.hosts.a).toMatchObject({ failed: 1, rescued: 1 });
    expect(summary.hosts.b).toMatchObject({ failed: 0, rescued: 1 });
  });

  it('a failure on the block\'s last task: the hosts that finished its tasks run always too (their next task was there)', async () => {
    const h = harness({ a: {}, b: {} });
    const summary = await h.run({ name: 'pb', plays: [play([block('last', [ok('first'), failOn('last task', 'a')], { always: [ok('report')] }), ok('after')], { anyErrorsFatal: true })] });
    expect(ran(h.events, 'report')).toEqual(['report@a=ok', 'report@b=ok']);
    expect(ran(h.events, 'after')).toEqual([]);
    expect(summary.interrupted).toContain('any_errors_fatal');
  });

  it('nested: the failed host runs the inner always, then the outer; a host caught inside the inner block runs neither', async () => {
    const h = harness({ a: {}, b: {} });
    await h.run({
      name: 'pb',
      plays: [
        play(
          [block('outer', [block('inner', [failOn('inner task', 'a'), ok('inner rest')], { always: [ok('inner always')] }), ok('outer rest')], { always: [ok('outer always')] })],
          { anyErrorsFatal: true },
        ),
      ],
    });
    expect(results(h.events).sort()).toEqual(['inner always@a=ok', 'inner task@a=failed', 'inner task@b=ok', 'outer always@a=ok']);
  });

  it('a stop before a block: no host enters it, so none of it runs, always included, and it has no events', async () => {
    const h = harness({ a: {}, b: {} });
    const summary = await h.run({
      name: 'pb',
      plays: [play([failOn('before', 'b'), block('later', [ok('later task')], { rescue: [ok('later rescue')], always: [ok('later always')] })], { maxFailPercentage: 0 })],
    });
    expect(results(h.events).filter((r) => r.startsWith('later'))).toEqual([]);
    expect(h.events.filter((e) => e.type.startsWith('block.'))).toEqual([]);
    expect(summary.interrupted).toContain('max_fail_percentage');
  });

  it('a block inside an always runs whole for the host going through that always after a stop', async () => {
    const h = harness({ a: {} });
    await h.run({
      name: 'pb',
      plays: [
        play(
          [block('outer', [failOn('fails', 'a')], { always: [block('nested', [ok('nested task')], { always: [ok('nested always')] }), ok('outer always')] })],
          { anyErrorsFatal: true },
        ),
      ],
    });
    expect(results(h.events)).toEqual(['fails@a=failed', 'nested task@a=ok', 'nested always@a=ok', 'outer always@a=ok']);
  });

  it('max_fail_percentage: a host whose block failed (no rescue) runs always; the others stop', async () => {
    const h = harness({ a: {}, b: {}, c: {} });
    const summary = await h.run({
      name: 'pb',
      plays: [play([block('b', [failOn('may fail', 'a'), ok('rest')], { always: [ok('report')] }), ok('after')], { maxFailPercentage: 30 })],
    });
    expect(ran(h.events, 'report')).toEqual(['report@a=ok']);
    expect(ran(h.events, 'rest')).toEqual([]);
    expect(ran(h.events, 'after')).toEqual([]);
    expect(summary.interrupted).toContain('max_fail_percentage');
  });

  it('a host that becomes unreachable in a block runs nothing more: no rescue, no always; the others go through theirs', async () => {
    const h = harness({ a: {}, b: {} });
    const summary = await h.run({
      name: 'pb',
      plays: [
        play([
          block(
            'x',
            [
              ok('first'),
              task(setting, (host) => {
                if (host.name === 'a') h.fleet.transport('a').disconnect();
                return { path: '/p', value: 'v' };
              }, { name: 'drops a' }),
              failOn('fails on b', 'b'),
            ],
            { rescue: [ok('rescue')], always: [ok('always')] },
          ),
          ok('after'),
        ]),
      ],
    });
    expect(ran(h.events, 'drops a')).toEqual(['drops a@a=unreachable', 'drops a@b=changed']);
    expect(ran(h.events, 'rescue')).toEqual(['rescue@b=ok']);
    expect(ran(h.events, 'always')).toEqual(['always@b=ok']);
    expect(ran(h.events, 'after')).toEqual(['after@b=ok']);
    expect(ofType(h.events, 'block.always')).toMatchObject([{ hosts: ['b'] }]);
    expect(summary.hosts.a).toMatchObject({ unreachable: 1, failed: 0, rescued: 0 });
    expect(summary.hosts.b).toMatchObject({ failed: 0, rescued: 1 });
  });
});

describe('block events', () => {
  it('block.start, block.rescue and block.always name the block and the hosts, each before the first task of its part', async () => {
    const h = harness({ a: {}, b: {} });
    await h.run({
      name: 'pb',
      plays: [play([block('guarded', [failOn('may fail', 'b')], { rescue: [ok('clean up')], always: [ok('report')] }), block('quiet', [ok('fine')])])],
    });
    const sequence = h.events.flatMap((e) =>
      e.type === 'task.start' ? [`task ${e.task}`] : e.type.startsWith('block.') && 'block' in e ? [`${e.type} ${e.block} ${e.hosts.join(',')}`] : [],
    );
    expect(sequence).toEqual([
      'block.start guarded a,b',
      'task may fail',
      'block.rescue guarded b',
      'task clean up',
      'block.always guarded a,b',
      'task report',
      'block.start quiet a,b',
      'task fine',
    ]);
    expect(ofType(h.events, 'block.rescue')[0]).toMatchObject({ play: 'p', block: 'guarded', hosts: ['b'], time: expect.any(Number) });
  });

  it('a block the tags leave out entirely has no events; one with a selected task has', async () => {
    const h = harness({ a: {} });
    await h.run(
      { name: 'pb', plays: [play([block('untagged', [ok('one')], { always: [ok('two')] }), block('tagged', [ok('three')], { tags: ['t'] })])] },
      { tags: ['t'] },
    );
    expect(h.events.filter((e) => e.type.startsWith('block.')).map((e) => ('block' in e ? `${e.type} ${e.block}` : ''))).toEqual(['block.start tagged']);
  });
});
