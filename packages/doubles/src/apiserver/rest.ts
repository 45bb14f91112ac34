// The resource verbs: get, list, create, update, patch (merge, JSON, strategic, server-side
// apply), delete, deletecollection, with dryRun, fieldValidation, preconditions and the
// Status errors the clients expect. Watch lives in watch.ts.
import type { Context, Reply, ResourceRequest } from './context.js';
import { apiVersionOf } from './kinds.js';
import { ApplyConflict, serverSideApply } from './managed-fields.js';
import { PatchError, isObject, jsonMergePatch, jsonPatch, strategicMergePatch } from './patch.js';
import { scaleOf, updateScale } from './scale.js';
import { SelectorError, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ApiError, alreadyExists, badRequest, conflict, methodNotAllowed, notFound, unsupportedMediaType } from './status.js';
import { type KubeObject, listPrefix } from './store.js';
import { partialMetadata, toTable, wantsMetadataOnly, wantsTable, withTypeMeta } from './tables.js';
import {
  checkFields, checkIdentity, checkResourceVersion, checkTypeMeta, commit, fieldManager, hasStatusSubresource, isDryRun, keyOf,
  merged, newObjectMetadata, output, parseBody, target, timestamp,
} from './write.js';

export type { Context, Reply, ResourceRequest } from './context.js';

const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export function get(ctx: Context, r: ResourceRequest): Reply {
  const object = ctx.store.get(keyOf(r));
  if (!object) throw notFound(target(r));
  if (r.subresource === 'scale') return { status: 200, body: scaleOf(object) };
  return { status: 200, body: output(r, object) };
}

export function list(ctx: Context, r: ResourceRequest): Reply {
  let labels: (o: KubeObject) => boolean;
  let fields: (o: KubeObject) => boolean;
  try {
    labels = parseLabelSelector(r.query.get('labelSelector'));
    fields = parseFieldSelector(r.query.get('fieldSelector'));
  } catch (error) {
    if (error instanceof SelectorError) throw badRequest(error.message);
    throw error;
  }
  const items = ctx.store.list(listPrefix(r.kind.group, r.kind.resource, r.kind.namespaced ? r.namespace : undefined))
    .filter((o) => labels(o) && fields(o))
    .map((o) => withTypeMeta(r.kind, o));
  const resourceVersion = String(ctx.store.resourceVersion);
  if (wantsTable(r.accept)) return { status: 200, body: toTable(r.kind, items, resourceVersion, r.query.get('includeObject')) };
  if (wantsMetadataOnly(r.accept)) return { status: 200, body: { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion }, items: items.map(partialMetadata) } };
  return { status: 200, body: { kind: `${r.kind.kind}List`, apiVersion: apiVersionOf(r.kind), metadata: { resourceVersion }, items } };
}

export function create(ctx: Context, r: ResourceRequest, body: unknown): Reply {
  if (r.subresource || r.name) throw methodNotAllowed();
  if (!isObject(body)) throw badRequest('the request body must be a JSON object');
  const object = structuredClone(body);
  checkTypeMeta(r, object, false);
  const warnings = checkFields(r, object);
  newObjectMetadata(ctx, r, object);
  if (ctx.store.get(keyOf(r, object.metadata.name))) throw alreadyExists(target(r, object.metadata.name));
  if (hasStatusSubresource(r.kind) && !(r.kind.group === '' && r.kind.kind === 'Node')) delete object.status;
  if (r.kind.kind === 'CertificateSigningRequest') {
    object.spec = { ...(object.spec ?? {}), username: r.user.name, groups: r.user.groups.filter((g) => g !== 'system:authenticated').concat('system:authenticated') };
  }
  return commit(ctx, r, undefined, object, { manager: fieldManager(r), applied: false, warnings });
}

export function update(ctx: Context, r: ResourceRequest, body: unknown): Reply {
  if (!r.name) throw methodNotAllowed();
  if (!isObject(body)) throw badRequest('the request body must be a JSON object');
  const live = ctx.store.get(keyOf(r));
  if (!live) throw notFound(target(r));
  if (r.subresource === 'scale') return updateScale(ctx, r, live, body);
  checkTypeMeta(r, body, false);
  checkIdentity(r, body);
  checkResourceVersion(r, live, body.metadata?.resourceVersion);
  const warnings = checkFields(r, body);
  return commit(ctx, r, live, merged(r, live, body), { manager: fieldManager(r), applied: false, warnings });
}

export function patch(ctx: Context, r: ResourceRequest, raw: string): Reply {
  if (!r.name) throw methodNotAllowed();
  const type = r.contentType;
  const body = parseBody(raw);
  if (type === 'application/apply-patch+yaml') return apply(ctx, r, body);
  const live = ctx.store.get(keyOf(r));
  if (!live) throw notFound(target(r));
  const start = r.subresource === 'scale' ? scaleOf(live) : withTypeMeta(r.kind, live);
  let patched: KubeObject;
  try {
    if (type === 'application/merge-patch+json') patched = jsonMergePatch(start, body);
    else if (type === 'application/json-patch+json') patched = jsonPatch(start, body);
    else if (type === 'application/strategic-merge-patch+json') {
      if (r.kind.custom) throw unsupportedMediaType(false);
      patched = strategicMergePatch(start, body);
    } else throw unsupportedMediaType(!r.kind.custom);
  } catch (error) {
    if (error instanceof PatchError) throw new ApiError(422, 'Invalid', error.message);
    throw error;
  }
  if (!isObject(patched)) throw badRequest('the patch did not produce an object');
  if (r.subresource === 'scale') return updateScale(ctx, r, live, patched);
  checkIdentity(r, patched);
  if (isObject(body) && isObject(body.metadata)) checkResourceVersion(r, live, body.metadata.resourceVersion);
  const warnings = checkFields(r, patched);
  return commit(ctx, r, live, merged(r, live, patched), { manager: fieldManager(r), applied: false, warnings });
}

function apply(ctx: Context, r: ResourceRequest, body: unknown): Reply {
  if (!isObject(body)) throw badRequest('the apply configuration must be an object');
  if (!r.query.get('fieldManager')) throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  checkTypeMeta(r, body, true);
  checkIdentity(r, body);
  const warnings = checkFields(r, body);
  const live = ctx.store.get(keyOf(r));
  if (live) checkResourceVersion(r, live, body.metadata?.resourceVersion);
  let result: KubeObject;
  try {
    result = serverSideApply({
      live: live && withTypeMeta(r.kind, live),
      applied: body,
      manager: r.query.get('fieldManager')!,
      force: r.query.get('force') === 'true',
      custom: !!r.kind.custom,
      apiVersion: apiVersionOf(r.kind),
      ignoreStatus: hasStatusSubresource(r.kind) && r.subresource !== 'status',
    });
  } catch (error) {
    if (error instanceof ApplyConflict) {
      throw new ApiError(409, 'Conflict', error.message, {
        ...target(r),
        kind: r.kind.resource,
        causes: error.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: c.field })),
      });
    }
    throw error;
  }
  const options = { manager: r.query.get('fieldManager')!, applied: true, warnings };
  if (!live) {
    const managedFields = result.metadata.managedFields;
    newObjectMetadata(ctx, { ...r, namespace: r.namespace }, result);
    result.metadata.managedFields = managedFields;
    if (hasStatusSubresource(r.kind) && r.kind.kind !== 'Node') delete result.status;
    return commit(ctx, r, undefined, result, options);
  }
  const next = merged(r, live, result);
  next.metadata.managedFields = result.metadata.managedFields;
  return commit(ctx, r, live, next, options);
}

/** Deletes one object: at once, or marks it when finalizers hold it; a namespace takes its contents. */
export function remove(ctx: Context, r: ResourceRequest, body: unknown): Reply {
  if (!r.name || r.subresource) throw methodNotAllowed();
  const key = keyOf(r);
  const live = ctx.store.get(key);
  if (!live) throw notFound(target(r));
  const preconditions = isObject(body) && isObject(body.preconditions) ? body.preconditions : {};
  if (preconditions.uid && preconditions.uid !== live.metadata.uid) {
    throw conflict(target(r), `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${live.metadata.uid}`);
  }
  if (preconditions.resourceVersion && preconditions.resourceVersion !== live.metadata.resourceVersion) {
    throw conflict(target(r), `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`);
  }
  if (r.kind.group === '' && r.kind.kind === 'Namespace' && IMMORTAL_NAMESPACES.has(live.metadata.name)) {
    throw new ApiError(403, 'Forbidden', `namespaces "${live.metadata.name}" is forbidden: this namespace may not be deleted`, { name: live.metadata.name, kind: 'namespaces' });
  }
  if (isDryRun(r)) return { status: 200, body: output(r, live) };
  if ((live.metadata.finalizers ?? []).length) {
    if (live.metadata.deletionTimestamp) return { status: 200, body: output(r, live) };
    live.metadata.deletionTimestamp = timestamp();
    live.metadata.deletionGracePeriodSeconds = 0;
    return { status: 200, body: output(r, ctx.store.put(key, live)) };
  }
  const propagation = (isObject(body) && body.propagationPolicy) || r.query.get('propagationPolicy') || (isObject(body) && body.orphanDependents === true ? 'Orphan' : undefined);
  if (propagation === 'Orphan') orphanDependents(ctx, live.metadata.uid);
  if (r.kind.group === 'apiextensions.k8s.io' && r.kind.kind === 'CustomResourceDefinition') {
    // the CRD's customresourcecleanup finalizer: its objects go with it
    for (const child of ctx.store.keys(listPrefix(live.spec?.group ?? '', live.spec?.names?.plural ?? ''))) ctx.store.delete(child);
  }
  if (r.kind.group === '' && r.kind.kind === 'Namespace') {
    for (const kind of ctx.registry.all().filter((k) => k.namespaced)) {
      for (const child of ctx.store.keys(listPrefix(kind.group, kind.resource, r.name))) ctx.store.delete(child);
    }
  }
  const deleted = ctx.store.delete(key)!;
  return { status: 200, body: output(r, deleted) };
}

export function removeCollection(ctx: Context, r: ResourceRequest): Reply {
  const listed = list(ctx, { ...r, accept: 'application/json' }).body as { items: KubeObject[] };
  for (const item of listed.items) {
    try {
      remove(ctx, { ...r, name: item.metadata.name, namespace: item.metadata.namespace ?? r.namespace }, undefined);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
    }
  }
  return { status: 200, body: { kind: `${r.kind.kind}List`, apiVersion: apiVersionOf(r.kind), metadata: { resourceVersion: String(ctx.store.resourceVersion) }, items: listed.items } };
}

/** `--cascade=orphan`: dependents lose their owner reference instead of following it. */
function orphanDependents(ctx: Context, uid: string): void {
  for (const key of ctx.store.keys('')) {
    const object = ctx.store.get(key);
    const references: any[] = object?.metadata?.ownerReferences ?? [];
    if (!object || !references.some((ref) => ref.uid === uid)) continue;
    const kept = references.filter((ref) => ref.uid !== uid);
    if (kept.length) object.metadata.ownerReferences = kept;
    else delete object.metadata.ownerReferences;
    ctx.store.put(key, object);
  }
}
