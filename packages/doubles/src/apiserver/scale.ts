// The scale subresource (kubectl scale): a Scale object made from, and written into, spec.replicas.
import type { Context, Reply, ResourceRequest } from './context.js';
import { invalid } from './status.js';
import type { KubeObject } from './store.js';
import { checkResourceVersion, commit, fieldManager, keyOf, target } from './write.js';

export function scaleOf(object: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  const selector = Object.entries(object.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: object.spec?.replicas ?? 0 },
    status: { replicas: object.status?.replicas ?? 0, selector },
  };
}

export function updateScale(ctx: Context, r: ResourceRequest, live: KubeObject, scale: KubeObject): Reply {
  checkResourceVersion(r, live, scale.metadata?.resourceVersion);
  const replicas = scale.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0) throw invalid({ ...target(r), kind: 'Scale' }, [{ field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
  const next = structuredClone(live);
  next.spec = { ...(next.spec ?? {}), replicas };
  const reply = commit(ctx, { ...r, subresource: undefined }, live, next, { manager: fieldManager(r), applied: false, warnings: [] });
  const stored = ctx.store.get(keyOf(r)) ?? next;
  return { status: reply.status, body: scaleOf(stored) };
}
