// Background cascading deletion: objects whose owner (by uid in ownerReferences) is gone are
// deleted, as the garbage collector does for a Deployment's ReplicaSets.
import type { Context } from '../rest.js';
import type { Controller } from './run.js';

export const garbageCollector: Controller = {
  name: 'garbage-collector',
  watches: [''],
  events: ['DELETED'],
  reconcile(ctx: Context) {
    const all = ctx.store.keys('');
    const uids = new Set<string>();
    const owned: Array<{ key: string; owners: string[] }> = [];
    for (const key of all) {
      const object = ctx.store.get(key);
      if (!object) continue;
      uids.add(object.metadata.uid);
      const owners = (object.metadata.ownerReferences ?? []).map((r: any) => r.uid);
      if (owners.length) owned.push({ key, owners });
    }
    for (const { key, owners } of owned) {
      if (owners.every((uid) => !uids.has(uid))) ctx.store.delete(key);
    }
  },
};
