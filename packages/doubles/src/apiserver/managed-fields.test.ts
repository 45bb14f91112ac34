import { describe, expect, it } from 'vitest';
import { ApplyConflict, recordUpdate, serverSideApply } from './managed-fields.js';

const applied = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, data });
const apply = (live: any, data: Record<string, string>, manager = 'kubectl', force = false) =>
  serverSideApply({ live, applied: applied(data), manager, force, custom: false, apiVersion: 'v1', ignoreStatus: false });

describe('server-side apply', () => {
  it('owns what it applied, and applying the same again yields the same object', () => {
    const first = apply(undefined, { a: '1', b: '2' });
    expect(first.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } })]);
    expect(apply(first, { a: '1', b: '2' })).toEqual(first);
  });

  it('removes a field it no longer applies unless another manager owns it too', () => {
    const first = apply(undefined, { a: '1', b: '2' });
    expect(apply(first, { a: '1' }).data).toEqual({ a: '1' });
    const shared = apply(first, { b: '2' }, 'other');
    expect(apply(shared, { a: '1' }).data).toEqual({ a: '1', b: '2' });
  });

  it('a different value for another manager\'s field is a conflict unless forced', () => {
    const first = apply(undefined, { a: '1' });
    expect(() => apply(first, { a: '2' }, 'other')).toThrow(ApplyConflict);
    const forced = apply(first, { a: '2' }, 'other', true);
    expect(forced.data).toEqual({ a: '2' });
    expect(forced.metadata.managedFields.map((e: any) => e.manager)).toEqual(['other']);
  });

  it('merges containers by name, so two managers can own different containers', () => {
    const deployment = (containers: object[]) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers } } } });
    const base = { live: undefined, manager: 'a', force: false, custom: false, apiVersion: 'apps/v1', ignoreStatus: true };
    const first = serverSideApply({ ...base, applied: deployment([{ name: 'web', image: 'w' }]) });
    const second = serverSideApply({ ...base, live: first, manager: 'b', applied: deployment([{ name: 'side', image: 's' }]) });
    expect(second.spec.template.spec.containers).toEqual([{ name: 'web', image: 'w' }, { name: 'side', image: 's' }]);
  });
});

describe('updates', () => {
  it('give the updater the fields it changed and take them from others', () => {
    const first = apply(undefined, { a: '1', b: '2' });
    const next = structuredClone(first);
    next.data.a = '9';
    recordUpdate(first, next, 'kubectl-edit', 'v1', false);
    expect(next.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:data': { 'f:b': {} } } }),
      expect.objectContaining({ manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:data': { 'f:a': {} } } }),
    ]);
  });
});
