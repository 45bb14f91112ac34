// Field ownership (metadata.managedFields, FieldsV1) and server-side apply: a manager owns the
// fields it applied; applying again without a field it owned alone removes that field; applying
// a value another manager owns is a conflict unless forced. Updates (PUT, PATCH, POST) move the
// fields they change to their manager. Lists merge by the built-in kinds' merge keys; other
// lists are atomic (one field).
import { isObject } from './patch.js';
import type { KubeObject } from './store.js';

type Json = any;
/** A field path: tokens such as `f:spec`, `k:{"name":"app"}`, `v:"x"`, `.`, joined by \n. */
type FieldPath = string;

const APPLY_MERGE_KEYS: Record<string, string | ((items: Json[]) => string)> = {
  containers: 'name', initContainers: 'name', ephemeralContainers: 'name', env: 'name', volumes: 'name',
  volumeMounts: 'mountPath', volumeDevices: 'devicePath', imagePullSecrets: 'name', hostAliases: 'ip',
  conditions: 'type', ownerReferences: 'uid', topologySpreadConstraints: 'topologyKey',
  addresses: 'type', secrets: 'name',
  ports: (items) => (items.some((i) => isObject(i) && 'containerPort' in i) ? 'containerPort' : 'port'),
};
const SET_LISTS = new Set(['finalizers']);
const IGNORED_TOP = new Set(['apiVersion', 'kind']);
const IGNORED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink']);

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Json;
  subresource?: string;
}

export class ApplyConflict extends Error {
  constructor(readonly conflicts: Array<{ manager: string; apiVersion: string; field: string }>) {
    super(`Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${c.field}`).join('\n')}`);
  }
}

function mergeKeyOf(field: string, items: Json[], custom: boolean): string | undefined {
  if (custom) return undefined;
  const key = APPLY_MERGE_KEYS[field];
  return typeof key === 'function' ? key(items) : key;
}

/** The leaf field paths an object sets, as ownership counts them. */
export function fieldPaths(object: KubeObject, custom: boolean, ignoreStatus: boolean): Set<FieldPath> {
  const out = new Set<FieldPath>();
  const walkMap = (map: Record<string, Json>, prefix: string[], depth: number) => {
    for (const [key, value] of Object.entries(map)) {
      if (depth === 0 && (IGNORED_TOP.has(key) || (ignoreStatus && key === 'status'))) continue;
      if (depth === 1 && prefix[0] === 'f:metadata' && IGNORED_METADATA.has(key)) continue;
      walkValue(key, value, [...prefix, `f:${key}`], depth + 1);
    }
  };
  const walkValue = (field: string, value: Json, path: string[], depth: number) => {
    if (isObject(value) && Object.keys(value).length) walkMap(value, path, depth);
    else if (Array.isArray(value) && value.length) {
      const mergeKey = mergeKeyOf(field, value, custom);
      if (mergeKey && value.every((v) => isObject(v) && mergeKey in v)) {
        for (const item of value) {
          const itemPath = [...path, `k:${JSON.stringify({ [mergeKey]: item[mergeKey] })}`];
          out.add([...itemPath, '.'].join('\n'));
          walkMap(item, itemPath, depth + 1);
        }
      } else if (SET_LISTS.has(field) && value.every((v) => !isObject(v))) {
        for (const item of value) out.add([...path, `v:${JSON.stringify(item)}`].join('\n'));
      } else out.add(path.join('\n'));
    } else out.add(path.join('\n'));
  };
  walkMap(object, [], 0);
  return out;
}

export function toFieldsV1(paths: Iterable<FieldPath>): Json {
  const root: Json = {};
  for (const path of paths) {
    let at = root;
    for (const token of path.split('\n')) at = at[token] ??= {};
  }
  return root;
}

export function fromFieldsV1(fields: Json): Set<FieldPath> {
  const out = new Set<FieldPath>();
  const walk = (node: Json, prefix: string[]) => {
    const keys = isObject(node) ? Object.keys(node) : [];
    if (!keys.length && prefix.length) out.add(prefix.join('\n'));
    for (const key of keys) walk(node[key], [...prefix, key]);
  };
  walk(fields, []);
  return out;
}

/** Reads the value a path points at; `undefined` when absent. */
function valueAt(object: Json, path: FieldPath): Json {
  let at = object;
  for (const token of path.split('\n')) {
    if (at === undefined) return undefined;
    if (token === '.') continue;
    if (token.startsWith('f:')) at = isObject(at) ? at[token.slice(2)] : undefined;
    else if (token.startsWith('k:')) {
      const key = JSON.parse(token.slice(2));
      at = Array.isArray(at) ? at.find((item) => isObject(item) && Object.entries(key).every(([k, v]) => item[k] === v)) : undefined;
    } else if (token.startsWith('v:')) {
      const value = JSON.parse(token.slice(2));
      at = Array.isArray(at) && at.includes(value) ? value : undefined;
    }
  }
  return at;
}

function removePath(object: Json, path: FieldPath): void {
  const tokens = path.split('\n').filter((t) => t !== '.');
  const parents: Json[] = [];
  let at = object;
  for (const token of tokens.slice(0, -1)) {
    parents.push(at);
    at = valueAt(at, token);
    if (at === undefined) return;
  }
  const last = tokens[tokens.length - 1]!;
  if (last.startsWith('f:') && isObject(at)) delete at[last.slice(2)];
  else if (last.startsWith('k:') && Array.isArray(at)) {
    const item = valueAt(at, last);
    if (item !== undefined) at.splice(at.indexOf(item), 1);
  } else if (last.startsWith('v:') && Array.isArray(at)) {
    const value = JSON.parse(last.slice(2));
    if (at.includes(value)) at.splice(at.indexOf(value), 1);
  }
}

/** `.spec.template.spec.containers[name="app"].image`, as the API server words conflicts. */
export function describePath(path: FieldPath): string {
  return path.split('\n').filter((t) => t !== '.').map((token) => {
    if (token.startsWith('f:')) return `.${token.slice(2)}`;
    if (token.startsWith('k:')) return `[${Object.entries(JSON.parse(token.slice(2))).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    return `[=${token.slice(2)}]`;
  }).join('');
}

function mergeApplied(live: Json, applied: Json, field: string, custom: boolean): Json {
  if (isObject(applied)) {
    const result: Record<string, Json> = isObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(applied)) result[key] = mergeApplied(result[key], value, key, custom);
    return result;
  }
  if (Array.isArray(applied)) {
    const mergeKey = mergeKeyOf(field, applied, custom);
    if (mergeKey && Array.isArray(live) && applied.every((v) => isObject(v) && mergeKey in v)) {
      const result = live.map((item) => structuredClone(item));
      for (const item of applied) {
        const index = result.findIndex((r) => isObject(r) && r[mergeKey] === item[mergeKey]);
        if (index >= 0) result[index] = mergeApplied(result[index], item, '', custom);
        else result.push(structuredClone(item));
      }
      return result;
    }
    if (SET_LISTS.has(field) && Array.isArray(live)) return [...live, ...applied.filter((v) => !live.includes(v))];
    return structuredClone(applied);
  }
  return applied;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export interface ApplyInput {
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  custom: boolean;
  apiVersion: string;
  /** the kind has a status subresource: status in the applied config is not the main resource's */
  ignoreStatus: boolean;
}

/** Server-side apply: the merged object, with managedFields updated. Throws ApplyConflict. */
export function serverSideApply(input: ApplyInput): KubeObject {
  const { live, applied, manager, force, custom, apiVersion, ignoreStatus } = input;
  const entries: ManagedFieldsEntry[] = structuredClone(live?.metadata?.managedFields ?? []);
  const appliedPaths = fieldPaths(applied, custom, ignoreStatus);
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
  const previous = mine ? fromFieldsV1(mine.fieldsV1) : new Set<FieldPath>();
  const others = entries.filter((e) => e !== mine && !e.subresource);

  const conflicts: Array<{ manager: string; apiVersion: string; field: string; path: FieldPath }> = [];
  if (live) {
    for (const path of appliedPaths) {
      if (path.endsWith('\n.')) continue;
      for (const other of others) {
        if (!fromFieldsV1(other.fieldsV1).has(path)) continue;
        if (JSON.stringify(valueAt(live, path)) !== JSON.stringify(valueAt(applied, path))) {
          conflicts.push({ manager: other.manager, apiVersion: other.apiVersion, field: describePath(path), path });
        }
      }
    }
  }
  if (conflicts.length && !force) throw new ApplyConflict(conflicts);

  let result: KubeObject = structuredClone(live ?? {});
  const ownedByOthers = new Set<FieldPath>();
  for (const other of others) for (const p of fromFieldsV1(other.fieldsV1)) ownedByOthers.add(p);
  for (const path of previous) if (!appliedPaths.has(path) && !ownedByOthers.has(path)) removePath(result, path);
  const appliedBody = structuredClone(applied);
  if (ignoreStatus) delete appliedBody.status;
  result = mergeApplied(result, appliedBody, '', custom);

  const conflicted = new Set(conflicts.map((c) => c.path));
  const nextEntries: ManagedFieldsEntry[] = [];
  for (const entry of entries) {
    if (entry === mine) continue;
    if (conflicted.size && !entry.subresource) {
      const kept = [...fromFieldsV1(entry.fieldsV1)].filter((p) => !conflicted.has(p));
      if (!kept.length) continue;
      nextEntries.push({ ...entry, fieldsV1: toFieldsV1(kept) });
    } else nextEntries.push(entry);
  }
  const unchangedTime = mine && sameFields(previous, appliedPaths) ? mine.time : now();
  nextEntries.unshift({ manager, operation: 'Apply', apiVersion, time: unchangedTime, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(appliedPaths) });
  result.metadata = { ...(result.metadata ?? {}), managedFields: nextEntries };
  return result;
}

function sameFields(a: Set<FieldPath>, b: Set<FieldPath>): boolean {
  return a.size === b.size && [...a].every((p) => b.has(p));
}

/**
 * After a PUT, PATCH or POST by `manager`: the fields that changed become its own (an Update
 * entry), other managers lose them, and fields no longer in the object leave every entry.
 */
export function recordUpdate(before: KubeObject | undefined, after: KubeObject, manager: string, apiVersion: string, custom: boolean, subresource?: string): void {
  const afterPaths = fieldPaths(after, custom, false);
  const changed = new Set<FieldPath>();
  for (const path of afterPaths) {
    if (subresource === 'status' && !path.startsWith('f:status')) continue;
    if (!before || JSON.stringify(valueAt(before, path)) !== JSON.stringify(valueAt(after, path))) changed.add(path);
  }
  // the entries as the request left them: a client may replace managedFields (kubectl does when
  // it moves an object from client-side to server-side apply)
  const entries: ManagedFieldsEntry[] = structuredClone(after.metadata?.managedFields ?? before?.metadata?.managedFields ?? []);
  const next: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const entry of entries) {
    const isMine = entry.manager === manager && entry.operation === 'Update' && (entry.subresource ?? '') === (subresource ?? '');
    const paths = [...fromFieldsV1(entry.fieldsV1)].filter((p) => afterPaths.has(p) && (isMine || !changed.has(p)));
    if (isMine) {
      mine = entry;
      for (const p of changed) paths.push(p);
      if (paths.length) next.push({ ...entry, time: changed.size ? now() : entry.time, fieldsV1: toFieldsV1(new Set(paths)) });
    } else if (paths.length) next.push({ ...entry, fieldsV1: toFieldsV1(paths) });
  }
  if (!mine && changed.size) {
    const entry: ManagedFieldsEntry = { manager, operation: 'Update', apiVersion, time: now(), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(changed) };
    if (subresource) entry.subresource = subresource;
    next.push(entry);
  }
  after.metadata.managedFields = next;
}
