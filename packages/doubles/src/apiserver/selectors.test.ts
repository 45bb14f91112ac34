import { describe, expect, it } from 'vitest';
import { SelectorError, parseFieldSelector, parseLabelSelector } from './selectors.js';

const object = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({ metadata: { name: 'x', namespace: 'ns', labels }, ...extra });

describe('label selectors', () => {
  it('equality, inequality, set and existence requirements', () => {
    const s = parseLabelSelector('owner=helm,status!=superseded,name in (a, b),tier notin (db),app,!legacy');
    expect(s(object({ owner: 'helm', status: 'deployed', name: 'a', app: '' }))).toBe(true);
    expect(s(object({ owner: 'helm', status: 'superseded', name: 'a', app: '' }))).toBe(false);
    expect(s(object({ owner: 'helm', name: 'c', app: '' }))).toBe(false);
    expect(s(object({ owner: 'helm', name: 'b', app: '', legacy: 'y' }))).toBe(false);
    expect(s(object({ owner: 'helm', name: 'b', tier: 'db', app: '' }))).toBe(false);
  });

  it('refuses what it cannot parse', () => {
    expect(() => parseLabelSelector('a in b')).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  it('match dotted paths with = and !=', () => {
    const s = parseFieldSelector('metadata.name=x,status.phase!=Running');
    expect(s(object({}, { status: { phase: 'Pending' } }))).toBe(true);
    expect(s(object({}, { status: { phase: 'Running' } }))).toBe(false);
  });
});
