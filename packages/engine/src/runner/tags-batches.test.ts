import { describe, expect, it } from 'vitest';
import { computeBatches, serialProblem } from './batches.js';
import { selectedByTags } from './tags.js';

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
