// The three patch formats clients send: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
// Kubernetes' strategic merge patch (lists merged by key, `$patch`, `$retainKeys`,
// `$setElementOrder/...`, `$deleteFromPrimitiveList/...` directives).

export class PatchError extends Error {}

type Json = any;

export function jsonMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = jsonMergePatch(result[key], value);
  }
  return result;
}

export function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw new PatchError('json patch must be a list of operations');
  let doc = structuredClone(target);
  for (const op of operations) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new PatchError(`invalid json patch operation: ${JSON.stringify(op)}`);
    switch (op.op) {
      case 'add': doc = setAt(doc, op.path, structuredClone(op.value), 'add'); break;
      case 'replace': doc = setAt(doc, op.path, structuredClone(op.value), 'replace'); break;
      case 'remove': doc = removeAt(doc, op.path); break;
      case 'move': { const value = getAt(doc, op.from); doc = removeAt(doc, op.from); doc = setAt(doc, op.path, value, 'add'); break; }
      case 'copy': doc = setAt(doc, op.path, structuredClone(getAt(doc, op.from)), 'add'); break;
      case 'test':
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) throw new PatchError(`testing value ${op.path} failed`);
        break;
      default: throw new PatchError(`unexpected json patch operation "${op.op}"`);
    }
  }
  return doc;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: Json, path: string): Json {
  let at = doc;
  for (const part of pointer(path)) {
    if (at === null || typeof at !== 'object' || !(part in at)) throw new PatchError(`doc is missing path: "${path}": missing value`);
    at = at[part];
  }
  return at;
}

function setAt(doc: Json, path: string, value: Json, mode: 'add' | 'replace'): Json {
  const parts = pointer(path);
  if (!parts.length) return value;
  const last = parts.pop()!;
  const parent = getAt(doc, parts.length ? `/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` : '');
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new PatchError(`add operation does not apply: doc is missing path: "${path}"`);
    if (mode === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (parent !== null && typeof parent === 'object') {
    if (mode === 'replace' && !(last in parent)) throw new PatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
    parent[last] = value;
  } else throw new PatchError(`doc is missing path: "${path}"`);
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const parts = pointer(path);
  const last = parts.pop()!;
  const parent = getAt(doc, parts.length ? `/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` : '');
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (parent !== null && typeof parent === 'object' && last in parent) delete parent[last];
  else throw new PatchError(`remove operation does not apply: doc is missing path: "${path}": missing value`);
  return doc;
}

/** Merge keys of the built-in kinds' lists (`patchMergeKey`), by field name. */
const MERGE_KEYS: Record<string, string | ((items: Json[]) => string)> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  schedulingGates: 'name',
  addresses: 'type',
  secrets: 'name',
  ports: (items) => (items.some((i) => isObject(i) && 'containerPort' in i) ? 'containerPort' : 'port'),
};
/** Primitive lists merged as sets (`patchStrategy: merge`). */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) throw new PatchError('strategic merge patch must be an object');
  return mergeMap(isObject(target) ? target : {}, patch);
}

function mergeMap(target: Record<string, Json>, patch: Record<string, Json>): Json {
  if (patch.$patch === 'replace') {
    const { $patch: _replace, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const result: Record<string, Json> = { ...target };
  const orders: Record<string, Json[]> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      orders[key.slice('$setElementOrder/'.length)] = value;
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(result[field])) result[field] = result[field].filter((v: Json) => !value.includes(v));
      continue;
    }
    if (value === null) {
      delete result[key];
    } else if (isObject(value)) {
      const merged = mergeMap(isObject(result[key]) ? result[key] : {}, value);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      result[key] = mergeList(key, Array.isArray(result[key]) ? result[key] : [], value);
    } else {
      result[key] = value;
    }
  }
  for (const [field, order] of Object.entries(orders)) {
    if (Array.isArray(result[field])) result[field] = applyOrder(field, result[field], order);
  }
  if (Array.isArray(patch.$retainKeys)) {
    for (const key of Object.keys(result)) if (!patch.$retainKeys.includes(key)) delete result[key];
  }
  return result;
}

function mergeKeyFor(field: string, items: Json[]): string | undefined {
  const key = MERGE_KEYS[field];
  return typeof key === 'function' ? key(items) : key;
}

function mergeList(field: string, target: Json[], patch: Json[]): Json[] {
  if (patch.length && patch.every((p) => !isObject(p))) {
    if (MERGED_PRIMITIVE_LISTS.has(field)) return [...target, ...patch.filter((p) => !target.includes(p))];
    return structuredClone(patch);
  }
  const mergeKey = mergeKeyFor(field, [...target, ...patch]);
  if (!mergeKey) {
    if (patch.some((p) => isObject(p) && p.$patch === 'replace')) return stripDirectives(patch.filter((p) => !(isObject(p) && p.$patch === 'replace')));
    return stripDirectives(patch);
  }
  if (patch.some((p) => isObject(p) && p.$patch === 'replace' && Object.keys(p).length === 1)) {
    return stripDirectives(patch.filter((p) => !(isObject(p) && p.$patch === 'replace')));
  }
  const result = target.map((t) => structuredClone(t));
  for (const item of patch) {
    if (!isObject(item)) continue;
    const index = result.findIndex((r) => isObject(r) && r[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = mergeMap(result[index], item);
    else result.push(mergeMap({}, item));
  }
  return result;
}

function applyOrder(field: string, list: Json[], order: Json[]): Json[] {
  const mergeKey = mergeKeyFor(field, list);
  const id = (v: Json) => (mergeKey && isObject(v) ? v[mergeKey] : v);
  const orderIds = order.map(id);
  const ordered = orderIds.map((o) => list.find((l) => id(l) === o)).filter((v) => v !== undefined);
  return [...ordered, ...list.filter((l) => !orderIds.includes(id(l)))];
}

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = stripDirectives(v);
  return out;
}

export function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
