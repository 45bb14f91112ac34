// Semantic equality of JSON values: key order does not matter, as it does not to the API server.
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((v, i) => deepEqual(v, other[i]));
  }
  const ak = Object.keys(a as object).filter((k) => (a as any)[k] !== undefined);
  const bk = Object.keys(b as object).filter((k) => (b as any)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}
