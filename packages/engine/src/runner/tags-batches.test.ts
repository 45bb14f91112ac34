import { describe, expect, it } from 'vitest';
import { command, harness, setting } from './__fixtures__/harness.js';
import { computeBatches, serialProblem } from './batches.js';
import { selectedByTags } from './tags.js';
import { block, flushHandlers, handler, task } from './types.js';

describe('computeBatches', () => {
  const hosts = ['a', 'b', 'c', 'd', 'e'];
  it('splits by a number, the last batch taking the rest', () => {
    expect(computeBatches(hosts, 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });
  it('splits by a percentage of the play hosts, rounded down, at least one', () => {
    expect(computeBatches(hosts, '40%')).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(computeBatches(hosts, '10%')).toEqual([['a'], ['b'], ['c'], ['d'], ['e']]);
  });
  it('takes a list of sizes whose last entry repeats', () => {
    expect(computeBatches(hosts, [1, '40%'])).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
    expect(computeBatches(hosts, [1, 3, 1])).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });
  it('runs one batch without serial, with 0, or with a size above the host count', () => {
    expect(computeBatches(hosts, undefined)).toEqual([hosts]);
    expect(computeBatches(hosts, 0)).toEqual([hosts]);
    expect(computeBatches(hosts, 10)).toEqual([hosts]);
  });
  it('names invalid serial values', () => {
    expect(serialProblem('abc')).toMatch(/"abc" is not a batch size/);
    expect(serialProblem(-1)).toMatch(/-1 is not a batch size/);
    expect(serialProblem([])).toMatch(/at least one/);
    expect(serialProblem([2, '25%'])).toBeUndefined();
  });
});

describe('selectedByTags (Ansible rules)', () => {
  it('runs everything but never-tagged tasks by default', () => {
    expect(selectedByTags(undefined, {})).toBe(true);
    expect(selectedByTags(['x'], {})).toBe(true);
    expect(selectedByTags(['never'], {})).toBe(false);
    expect(selectedByTags(['never', 'debug'], { tags: ['debug'] })).toBe(true);
  });
  it('selects by tag, keeping always', () => {
    expect(selectedByTags(['a'], { tags: ['a'] })).toBe(true);
    expect(selectedByTags(['b'], { tags: ['a'] })).toBe(false);
    expect(selectedByTags(undefined, { tags: ['a'] })).toBe(false);
    expect(selectedByTags(['always'], { tags: ['a'] })).toBe(true);
    expect(selectedByTags(undefined, { tags: ['untagged'] })).toBe(true);
    expect(selectedByTags(['b'], { tags: ['tagged'] })).toBe(true);
  });
  it('skips by tag; always goes only when skipped by name', () => {
    expect(selectedByTags(['a'], { skipTags: ['a'] })).toBe(false);
    expect(selectedByTags(['a', 'b'], { skipTags: ['b'] })).toBe(false);
    expect(selectedByTags(['always'], { skipTags: ['a'] })).toBe(true);
    expect(selectedByTags(['always'], { skipTags: ['always'] })).toBe(false);
    expect(selectedByTags(['always'], { skipTags: ['all'] })).toBe(true);
    expect(selectedByTags(['x'], { skipTags: ['tagged'] })).toBe(false);
    expect(selectedByTags(undefined, { skipTags: ['tagged'] })).toBe(true);
  });
});

describe('--tags and a block kept only for its flushHandlers', () => {
  it('emits no block events; the flush inside it still runs the handlers the selected tasks notified, there', async () => {
    const h = harness({ a: {} });
    await h.run(
      {
        name: 'pb',
        plays: [
          {
            name: 'p',
            hosts: 'all',
            handlers: [handler('restart', command, { cmd: 'restart' })],
            tasks: [
              task(setting, { path: '/conf', value: '1' }, { name: 'configure', tags: ['conf'], notify: ['restart'] }),
              block('apply now', [task(setting, { path: '/other', value: '1' }, { name: 'unselected' }), flushHandlers()], { always: [task(command, { cmd: 'report' }, { name: 'report' })] }),
              task(command, { cmd: 'after' }, { name: 'after the flush', tags: ['conf'] }),
            ],
          },
        ],
      },
      { tags: ['conf'] },
    );
    expect(h.events.filter((e) => e.type.startsWith('block.'))).toEqual([]);
    // The handler ran at the block's flush, before the task after it, not at the play's end.
    expect(h.events.flatMap((e) => (e.type === 'task.start' ? [e.task] : []))).toEqual(['configure', 'restart', 'after the flush']);
  });
});
