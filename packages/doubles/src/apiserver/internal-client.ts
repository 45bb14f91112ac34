// How the double's controllers write: through the same verbs as the clients (defaults, managed
// fields, no-op detection, watch events), as the user kube-controller-manager would.
import type { User } from './auth.js';
import { type Context, type ResourceRequest, create, remove, update } from './rest.js';
import { ApiError } from './status.js';
import { type KubeObject, objectKey } from './store.js';

const CONTROLLER: User = { name: 'system:kube-controller-manager', groups: ['system:authenticated'] };

function request(ctx: Context, group: string, resource: string, namespace: string | undefined, name: string | undefined, subresource?: string): ResourceRequest {
  const kind = ctx.registry.anyVersion(group, resource);
  if (!kind) throw new Error(`the double serves no ${resource}.${group}`);
  return {
    kind, namespace, name, subresource, query: new URLSearchParams({ fieldManager: 'kube-controller-manager' }), user: CONTROLLER,
    userAgent: 'kube-controller-manager/v1.31.9', accept: 'application/json', contentType: 'application/json',
  };
}

export function read(ctx: Context, group: string, resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
  return ctx.store.get(objectKey(group, resource, namespace, name));
}

/** Applies `mutate` to the stored object (the status subresource when asked); a no-op writes nothing. */
export function modify(ctx: Context, group: string, resource: string, namespace: string | undefined, name: string, mutate: (o: KubeObject) => void, subresource?: 'status'): void {
  const live = read(ctx, group, resource, namespace, name);
  if (!live) return;
  const next = structuredClone(live);
  mutate(next);
  try {
    update(ctx, request(ctx, group, resource, namespace, name, subresource), next);
  } catch (error) {
    if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
  }
}

export function ensure(ctx: Context, group: string, resource: string, namespace: string | undefined, object: KubeObject): void {
  if (read(ctx, group, resource, namespace, object.metadata.name)) return;
  try {
    create(ctx, request(ctx, group, resource, namespace, undefined), object);
  } catch (error) {
    if (!(error instanceof ApiError && (error.code === 409 || error.code === 404))) throw error;
  }
}

export function destroy(ctx: Context, group: string, resource: string, namespace: string | undefined, name: string): void {
  try {
    remove(ctx, request(ctx, group, resource, namespace, name), undefined);
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 404)) throw error;
  }
}
