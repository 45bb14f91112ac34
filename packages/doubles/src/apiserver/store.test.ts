import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store, objectKey } from './store.js';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('store', () => {
  it('keeps objects and the resourceVersion counter across a reopen', () => {
    const dir = fresh();
    const store = new Store(dir);
    const key = objectKey('', 'configmaps', 'default', 'a');
    store.put(key, { metadata: { name: 'a', namespace: 'default' }, data: { x: '1' } });
    store.put(objectKey('', 'configmaps', 'default', 'b'), { metadata: { name: 'b', namespace: 'default' } });
    store.delete(objectKey('', 'configmaps', 'default', 'b'));
    const reopened = new Store(dir);
    expect(reopened.get(key)).toEqual({ metadata: { name: 'a', namespace: 'default', resourceVersion: '1' }, data: { x: '1' } });
    expect(reopened.list('/configmaps/')).toHaveLength(1);
    expect(reopened.resourceVersion).toBe(3);
  });

  it('replays events after a resourceVersion to watchers, in order', () => {
    const store = new Store(fresh());
    const seen: string[] = [];
    store.subscribe((e) => seen.push(`${e.type}:${e.rv}`));
    const key = objectKey('apps', 'deployments', 'ns', 'd');
    store.put(key, { metadata: { name: 'd' } });
    store.put(key, { metadata: { name: 'd' } });
    store.delete(key);
    expect(seen).toEqual(['ADDED:1', 'MODIFIED:2', 'DELETED:3']);
    expect(store.eventsSince(1)!.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
  });
});
