import { describe, expect, it } from 'vitest';
import { PatchError, jsonMergePatch, jsonPatch, strategicMergePatch } from './patch.js';

const deployment = () => ({
  spec: {
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }] },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    },
  },
  metadata: { finalizers: ['a'] },
});

describe('strategic merge patch', () => {
  it('merges containers and env by name instead of replacing the lists', () => {
    const patched = strategicMergePatch(deployment(), { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28', env: [{ name: 'B', value: '3' }] }] } } } });
    const [web, sidecar] = patched.spec.template.spec.containers;
    expect(web).toEqual({ name: 'web', image: 'nginx:1.28', env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }], ports: [{ containerPort: 80, protocol: 'TCP' }] });
    expect(sidecar).toEqual({ name: 'sidecar', image: 'busybox' });
  });

  it('honours $patch: delete, $setElementOrder, $retainKeys and $deleteFromPrimitiveList', () => {
    const patched = strategicMergePatch(deployment(), {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: { template: { spec: {
        '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }],
        containers: [{ name: 'web', $patch: 'delete' }, { name: 'sidecar', $retainKeys: ['name'], image: null }],
      } } },
    });
    expect(patched.spec.template.spec.containers).toEqual([{ name: 'sidecar' }]);
    expect(patched.metadata.finalizers).toEqual([]);
  });

  it('replaces lists without a merge key and maps marked $patch: replace', () => {
    const patched = strategicMergePatch({ spec: { args: ['a', 'b'], selector: { a: '1', b: '2' } } }, { spec: { args: ['c'], selector: { $patch: 'replace', c: '3' } } });
    expect(patched).toEqual({ spec: { args: ['c'], selector: { c: '3' } } });
  });
});

describe('JSON merge patch and JSON patch', () => {
  it('merge patch deletes with null and replaces lists', () => {
    expect(jsonMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null }, l: [3] })).toEqual({ a: { c: 2 }, l: [3] });
  });

  it('JSON patch adds, replaces, removes and tests', () => {
    const doc = { metadata: { labels: { a: '1' } }, items: [1, 2] };
    expect(jsonPatch(doc, [
      { op: 'add', path: '/metadata/labels/b~1c', value: '2' },
      { op: 'replace', path: '/items/0', value: 9 },
      { op: 'remove', path: '/metadata/labels/a' },
      { op: 'add', path: '/items/-', value: 3 },
      { op: 'test', path: '/items/0', value: 9 },
    ])).toEqual({ metadata: { labels: { 'b/c': '2' } }, items: [9, 2, 3] });
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/items/0', value: 5 }])).toThrow(PatchError);
    expect(() => jsonPatch(doc, [{ op: 'replace', path: '/missing', value: 5 }])).toThrow(/missing/);
  });
});
