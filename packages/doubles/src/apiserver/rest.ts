// The resource verbs: get, list, create, update, patch (merge, JSON, strategic, server-side
// apply), delete, deletecollection, with dryRun, fieldValidation, preconditions and the
// Status errors the clients expect. Watch lives in watch.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import type { User } from './auth.js';
import { applyDefaults } from './defaults.js';
import { decodingError } from './decoding.js';
import { deepEqual } from './equality.js';
import { apiVersionOf, type ResourceKind } from './kinds.js';
import { ApplyConflict, recordUpdate, serverSideApply } from './managed-fields.js';
import { PatchError, isObject, jsonMergePatch, jsonPatch, strategicMergePatch } from './patch.js';
import type { Registry } from './registry.js';
import { SelectorError, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { AllocationError, type ServiceAllocator } from './service-allocation.js';
import { ApiError, alreadyExists, badRequest, conflict, invalid, methodNotAllowed, notFound, unsupportedMediaType } from './status.js';
import { type KubeObject, type Store, listPrefix, objectKey } from './store.js';
import { toTable, wantsTable, withTypeMeta } from './tables.js';
import { immutableChanges, invalidName, invalidObject, undecodable, unknownFields } from './validation.js';

export interface Context {
  store: Store;
  registry: Registry;
  allocator: ServiceAllocator;
}

export interface ResourceRequest {
  kind: ResourceKind;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  user: User;
  userAgent: string;
  accept: string | undefined;
  contentType: string;
}

export interface Reply {
  status: number;
  body: unknown;
  warnings?: string[];
}

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export const timestamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

const target = (r: ResourceRequest, name = r.name) => ({ group: r.kind.group, resource: r.kind.resource, name });
const keyOf = (r: ResourceRequest, name = r.name!) => objectKey(r.kind.group, r.kind.resource, r.kind.namespaced ? r.namespace : undefined, name);
const isDryRun = (r: ResourceRequest) => r.query.getAll('dryRun').includes('All');

function fieldManager(r: ResourceRequest): string {
  const explicit = r.query.get('fieldManager');
  if (explicit) return explicit;
  return r.userAgent.split('/')[0] || 'unknown';
}

function output(r: ResourceRequest, object: KubeObject): unknown {
  const typed = withTypeMeta(r.kind, object);
  if (wantsTable(r.accept)) return toTable(r.kind, [typed], typed.metadata.resourceVersion ?? '', r.query.get('includeObject'));
  return typed;
}

export function parseBody(raw: string): unknown {
  if (!raw.trim()) throw badRequest('the request body is empty: send a JSON object');
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw badRequest(`the request body is not JSON (the double reads JSON only; kubectl and helm send JSON): ${(error as Error).message}`);
  }
}

function checkTypeMeta(r: ResourceRequest, object: KubeObject, required: boolean): void {
  const expected = apiVersionOf(r.kind);
  if (object.apiVersion === undefined && object.kind === undefined && !required) return;
  if (object.apiVersion !== expected && !(r.kind.custom && String(object.apiVersion).startsWith(`${r.kind.group}/`))) {
    throw badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${expected})`);
  }
  if (object.kind !== r.kind.kind) throw badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${r.kind.kind})`);
}

function checkFields(r: ResourceRequest, object: KubeObject): string[] {
  const undecodableData = undecodable(r.kind, object) ?? decodingError(r.kind, object);
  if (undecodableData) throw badRequest(undecodableData);
  // Warn is the server's default; unknown fields are dropped unless the request is refused
  const directive = r.query.get('fieldValidation') ?? 'Warn';
  const unknown = unknownFields(r.kind, object, directive !== 'Strict');
  if (!unknown.length || directive === 'Ignore') return [];
  if (directive === 'Strict') {
    throw badRequest(`${r.kind.kind} in version "${r.kind.version}" cannot be handled as a ${r.kind.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
  }
  return unknown.map((f) => `unknown field "${f}"`);
}

function hasStatusSubresource(kind: ResourceKind): boolean {
  return (kind.subresources ?? []).includes('status');
}

/** What generation counts: everything but metadata, and but status where status is a subresource. */
function specOf(kind: ResourceKind, object: KubeObject): unknown {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = object;
  return hasStatusSubresource(kind) ? rest : { ...rest, status };
}

/** Everything a write shares after the new object is known: defaults, allocation, checks, store. */
function commit(ctx: Context, r: ResourceRequest, before: KubeObject | undefined, object: KubeObject, options: { manager: string; applied: boolean; warnings: string[] }): Reply {
  const kind = r.kind;
  object.apiVersion = apiVersionOf(kind);
  object.kind = kind.kind;
  applyDefaults(kind.group, kind.kind, object);
  if (kind.group === '' && kind.kind === 'Service') {
    try {
      ctx.allocator.allocate(object, before);
    } catch (error) {
      if (error instanceof AllocationError) throw invalid({ ...target(r, object.metadata.name), kind: kind.kind }, [{ field: error.field, message: `Invalid value: ${JSON.stringify(error.value)}: ${error.message}` }]);
      throw error;
    }
  }
  if (r.subresource !== 'status') {
    const causes = [...invalidObject(kind, object), ...(before ? immutableChanges(kind, before, object) : [])];
    if (causes.length) throw invalid({ ...target(r, object.metadata.name), kind: kind.kind }, causes);
  }
  if (kind.hasGeneration) {
    const generation = Number(before?.metadata?.generation ?? 0);
    object.metadata.generation = !before ? 1 : deepEqual(specOf(kind, before), specOf(kind, object)) ? generation : generation + 1;
  }
  if (!options.applied) recordUpdate(before, object, options.manager, apiVersionOf(kind), !!kind.custom, r.subresource);
  if (before) {
    const comparable = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
    if (deepEqual(comparable(before), comparable(object))) return { status: 200, body: output(r, before), warnings: options.warnings };
  }
  if (isDryRun(r)) {
    if (!before) delete object.metadata.resourceVersion;
    return { status: before ? 200 : 201, body: output(r, object), warnings: options.warnings };
  }
  const key = keyOf(r, object.metadata.name);
  if (before?.metadata?.deletionTimestamp && !(object.metadata.finalizers ?? []).length) {
    const deleted = ctx.store.delete(key)!;
    return { status: 200, body: output(r, deleted), warnings: options.warnings };
  }
  const stored = ctx.store.put(key, object);
  return { status: before ? 200 : 201, body: output(r, stored), warnings: options.warnings };
}

function newObjectMetadata(ctx: Context, r: ResourceRequest, object: KubeObject): void {
  const metadata = (object.metadata ??= {});
  if (!metadata.name && metadata.generateName) metadata.name = `${metadata.generateName}${[...randomBytes(5)].map((b) => NAME_SUFFIX_ALPHABET[b % NAME_SUFFIX_ALPHABET.length]).join('')}`;
  if (!metadata.name) throw invalid({ ...target(r, ''), kind: r.kind.kind }, [{ field: 'metadata.name', message: 'Required value: name or generateName is required', type: 'FieldValueRequired' }]);
  const badName = invalidName(r.kind, metadata.name);
  if (badName) throw invalid({ ...target(r, metadata.name), kind: r.kind.kind }, [{ field: 'metadata.name', message: `Invalid value: "${metadata.name}": ${badName}` }]);
  if (r.kind.namespaced) {
    if (metadata.namespace && metadata.namespace !== r.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    metadata.namespace = r.namespace;
    if (!ctx.store.get(objectKey('', 'namespaces', undefined, r.namespace!))) throw notFound({ group: '', resource: 'namespaces', name: r.namespace });
  } else delete metadata.namespace;
  metadata.uid = randomUUID();
  metadata.creationTimestamp = timestamp();
  delete metadata.resourceVersion;
  delete metadata.deletionTimestamp;
  delete metadata.managedFields;
}

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

function checkResourceVersion(r: ResourceRequest, live: KubeObject, given: unknown): void {
  if (given !== undefined && given !== '' && String(given) !== live.metadata.resourceVersion) {
    throw conflict(target(r, live.metadata.name), 'the object has been modified; please apply your changes to the latest version and try again');
  }
}

/** The object an update of `r` (main resource or a subresource) makes of `live` and `incoming`. */
function merged(r: ResourceRequest, live: KubeObject, incoming: KubeObject): KubeObject {
  if (r.subresource === 'status') return { ...live, status: incoming.status };
  if (r.subresource === 'approval') return { ...live, status: { ...(live.status ?? {}), conditions: incoming.status?.conditions ?? [] } };
  const object = structuredClone(incoming);
  object.metadata = {
    ...(object.metadata ?? {}),
    name: live.metadata.name,
    uid: live.metadata.uid,
    creationTimestamp: live.metadata.creationTimestamp,
    resourceVersion: live.metadata.resourceVersion,
    managedFields: managedFieldsAfter(live, object),
    ...(live.metadata.namespace ? { namespace: live.metadata.namespace } : {}),
    ...(live.metadata.generation !== undefined ? { generation: live.metadata.generation } : {}),
    ...(live.metadata.deletionTimestamp ? { deletionTimestamp: live.metadata.deletionTimestamp } : {}),
  };
  if (hasStatusSubresource(r.kind)) {
    if (live.status === undefined) delete object.status;
    else object.status = live.status;
  }
  return object;
}

function checkIdentity(r: ResourceRequest, object: KubeObject): void {
  if (object.metadata?.name !== undefined && object.metadata.name !== r.name) {
    throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${r.name})`);
  }
  if (r.kind.namespaced && object.metadata?.namespace && object.metadata.namespace !== r.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
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

function scaleOf(object: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  const selector = Object.entries(object.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: object.spec?.replicas ?? 0 },
    status: { replicas: object.status?.replicas ?? 0, selector },
  };
}

function updateScale(ctx: Context, r: ResourceRequest, live: KubeObject, scale: KubeObject): Reply {
  checkResourceVersion(r, live, scale.metadata?.resourceVersion);
  const replicas = scale.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0) throw invalid({ ...target(r), kind: 'Scale' }, [{ field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
  const next = structuredClone(live);
  next.spec = { ...(next.spec ?? {}), replicas };
  const reply = commit(ctx, { ...r, subresource: undefined }, live, next, { manager: fieldManager(r), applied: false, warnings: [] });
  const stored = ctx.store.get(keyOf(r)) ?? next;
  return { status: reply.status, body: scaleOf(stored) };
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

/**
 * managedFields a write sets: unchanged when the request leaves them out or sends them back as
 * read; replaced when the request changes them; cleared by `[{}]`, as the real server does.
 */
function managedFieldsAfter(live: KubeObject, incoming: KubeObject): unknown[] | undefined {
  const given = incoming.metadata?.managedFields;
  if (!Array.isArray(given)) return live.metadata.managedFields;
  if (given.length === 1 && isObject(given[0]) && !Object.keys(given[0]).length) return [];
  return given;
}
