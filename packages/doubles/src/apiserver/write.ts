// The write path all verbs share: type and field checks, new-object metadata, the object an update
// makes, defaults, allocation, validation, generation, managed fields, no-op detection, dry run,
// and the store.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context, Reply, ResourceRequest } from './context.js';
import { decodingError } from './decoding.js';
import { applyDefaults } from './defaults.js';
import { deepEqual } from './equality.js';
import { apiVersionOf, type ResourceKind } from './kinds.js';
import { recordUpdate } from './managed-fields.js';
import { isObject } from './patch.js';
import { AllocationError } from './service-allocation.js';
import { badRequest, conflict, invalid, notFound } from './status.js';
import { type KubeObject, objectKey } from './store.js';
import { partialMetadata, toTable, wantsMetadataOnly, wantsTable, withTypeMeta } from './tables.js';
import { immutableChanges, invalidName, invalidObject, undecodable, unknownFields } from './validation.js';

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export const timestamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export const target = (r: ResourceRequest, name = r.name) => ({ group: r.kind.group, resource: r.kind.resource, name });
export const keyOf = (r: ResourceRequest, name = r.name!) => objectKey(r.kind.group, r.kind.resource, r.kind.namespaced ? r.namespace : undefined, name);
export const isDryRun = (r: ResourceRequest) => r.query.getAll('dryRun').includes('All');

export function fieldManager(r: ResourceRequest): string {
  const explicit = r.query.get('fieldManager');
  if (explicit) return explicit;
  return r.userAgent.split('/')[0] || 'unknown';
}

export function output(r: ResourceRequest, object: KubeObject): unknown {
  const typed = withTypeMeta(r.kind, object);
  if (wantsTable(r.accept)) return toTable(r.kind, [typed], typed.metadata.resourceVersion ?? '', r.query.get('includeObject'));
  if (wantsMetadataOnly(r.accept)) return partialMetadata(typed);
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

export function checkTypeMeta(r: ResourceRequest, object: KubeObject, required: boolean): void {
  const expected = apiVersionOf(r.kind);
  if (object.apiVersion === undefined && object.kind === undefined && !required) return;
  if (object.apiVersion !== expected && !(r.kind.custom && String(object.apiVersion).startsWith(`${r.kind.group}/`))) {
    throw badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${expected})`);
  }
  if (object.kind !== r.kind.kind) throw badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${r.kind.kind})`);
}

export function checkFields(r: ResourceRequest, object: KubeObject): string[] {
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

export function hasStatusSubresource(kind: ResourceKind): boolean {
  return (kind.subresources ?? []).includes('status');
}

/** What generation counts: everything but metadata, and but status where status is a subresource. */
export function specOf(kind: ResourceKind, object: KubeObject): unknown {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = object;
  return hasStatusSubresource(kind) ? rest : { ...rest, status };
}

/** Everything a write shares after the new object is known: defaults, allocation, checks, store. */
export function commit(ctx: Context, r: ResourceRequest, before: KubeObject | undefined, object: KubeObject, options: { manager: string; applied: boolean; warnings: string[] }): Reply {
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

export function newObjectMetadata(ctx: Context, r: ResourceRequest, object: KubeObject): void {
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

export function checkResourceVersion(r: ResourceRequest, live: KubeObject, given: unknown): void {
  if (given !== undefined && given !== '' && String(given) !== live.metadata.resourceVersion) {
    throw conflict(target(r, live.metadata.name), 'the object has been modified; please apply your changes to the latest version and try again');
  }
}

/** The object an update of `r` (main resource or a subresource) makes of `live` and `incoming`. */
export function merged(r: ResourceRequest, live: KubeObject, incoming: KubeObject): KubeObject {
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

export function checkIdentity(r: ResourceRequest, object: KubeObject): void {
  if (object.metadata?.name !== undefined && object.metadata.name !== r.name) {
    throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${r.name})`);
  }
  if (r.kind.namespaced && object.metadata?.namespace && object.metadata.namespace !== r.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
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
