/**
 * `import()` from an ES module of its own. The CLI runs as a CommonJS bundle whose compiled code
 * comes from V8's cache (code-cache.ts), and Node 20 cannot run `import()` in code loaded from
 * cached data ("A dynamic import callback was not specified"): the bundle requires this file
 * instead of containing it (scripts/bundle.mjs). Bare specifiers resolve from the engine package.
 */
export function importModule<T = Record<string, unknown>>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
