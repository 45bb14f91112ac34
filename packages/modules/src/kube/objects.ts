import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { Secret, registerSecretText } from '@meshbook/engine';

/**
 * A Kubernetes object as declared: any typed model (kubernetes-types' `Service`, `Deployment`...,
 * which this type accepts) or a plain object for a custom resource. Secret `data`/`stringData`
 * values may be engine Secrets (a Secret read on another cluster).
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Fields the API server sets: never declared, and meaningless on another cluster (a copied object). */
const SERVER_METADATA = ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/** The object as it is sent to server-side apply: server-set metadata and status left out. */
export function declaredObject(object: KubeObject, namespace: string | undefined): KubeObject {
  const { status: _status, ...rest } = object;
  const metadata: Record<string, unknown> = { ...object.metadata };
  for (const key of SERVER_METADATA) delete metadata[key];
  if (namespace !== undefined) metadata['namespace'] = namespace;
  else delete metadata['namespace'];
  return { ...rest, metadata } as KubeObject;
}

export const isSecretKind = (object: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean => object.kind === 'Secret' && object.apiVersion === 'v1';

/** Registers a Secret object's values (as given, base64 and decoded) so no output path can show them. */
export function registerSecretData(object: KubeObject | null | undefined): void {
  if (!object || !isSecretKind(object)) return;
  for (const field of ['data', 'stringData'] as const) {
    const values = (object[field] ?? {}) as Record<string, unknown>;
    for (const value of Object.values(values)) {
      const text = value instanceof Secret ? value.reveal() : typeof value === 'string' ? value : undefined;
      if (text === undefined) continue;
      registerSecretText(text);
      if (field === 'data') registerSecretText(Buffer.from(text, 'base64').toString('utf8'));
      else registerSecretText(Buffer.from(text).toString('base64'));
    }
  }
}

/** A live object as a module outputs it: a Secret's data values become engine Secrets (printed as ***). */
export function maskedObject(object: KubeObject | null): KubeObject | null {
  if (!object || !isSecretKind(object)) return object;
  const mask = (values: unknown) =>
    values && typeof values === 'object' ? Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? new Secret(v) : v])) : values;
  return { ...object, data: mask(object['data']), ...(object['stringData'] ? { stringData: mask(object['stringData']) } : {}) } as KubeObject;
}

/** What a change is judged on: the object without status and the bookkeeping every write moves. */
export function comparable(object: KubeObject): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = object;
  const meta: Record<string, unknown> = { ...metadata };
  for (const key of ['resourceVersion', 'generation', 'managedFields', 'uid', 'creationTimestamp'] as const) delete meta[key];
  return { ...rest, metadata: meta };
}

/** Field ownership as server-side apply records it, without the timestamps. */
export function ownership(object: KubeObject): unknown[] {
  return (object.metadata.managedFields ?? []).map(({ time: _time, ...entry }) => entry);
}

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** Leaf-level differences between two JSON values, as `spec.ports[0].port`-style paths. */
export function fieldChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  // A whole subtree added or removed is shown leaf by leaf, as an update is.
  if (before === undefined && isObject(after)) before = {};
  if (after === undefined && isObject(before)) after = {};
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => fieldChanges(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => fieldChanges(item, after[i], `${path}[${i}]`));
  }
  return [{ path: path || '(object)', before, after }];
}

/** `path: value` lines for a diff (values as JSON; a Secret's data values as ***, their keys shown). */
export function renderFields(changes: FieldChange[], side: 'before' | 'after', secret = false): string {
  return changes
    .filter((c) => c[side] !== undefined)
    .map((c) => `${c.path}: ${secret && /^(data|stringData)\./.test(c.path) ? '***' : JSON.stringify(c[side])}`)
    .join('\n');
}

/** `Kind namespace/name` (or `Kind name` for cluster-scoped objects). */
export function describeObject(object: Pick<KubeObject, 'kind' | 'metadata'>, namespace: string | undefined): string {
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${object.metadata.name}`;
}

/** The REST path of an object (or of its collection when `name` is absent). */
export function objectPath(apiVersion: string, plural: string, namespace: string | undefined, name?: string): string {
  const group = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${group}${ns}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
