import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';

export { nearestCacheDir } from './cache-dir.js';

/**
 * V8's compiled code of the CLI's CommonJS files, kept between runs: loading meshbook is mostly
 * compiling ~2 MB of JavaScript (the engine, zod, yaml, ssh2, ...), and a cached file loads in
 * about half the CPU. Node 20 has no cache of its own (module.enableCompileCache is Node 22), so
 * this does what v8-compile-cache does, for the meshbook CLI process only: Module.prototype._compile
 * compiles through vm.Script with the cached data, and at exit the code V8 compiled during the run
 * (lazily compiled functions included) is written for files that had no valid cache.
 *
 * An entry is found by the file's path and a SHA-1 of the exact text being compiled, which its
 * header repeats and which is checked before V8 sees the data: V8's own check covers only the
 * source's length, and runs whatever compiled functions it is given for a source of that length.
 * No stamp, size or mtime stands in for the text: a bundle rewritten in place within the
 * filesystem's timestamp tick, copied with its mtime, or edited after its build never meets the
 * code of another text.
 *
 * An entry holds only what its writers compiled: written by `--version` or `--syntax-check`, it
 * lacks the SSH stack and the runner; written by a run without `--json`, the JSON lines reporter
 * (and with `--json`, the terminal one). So its header says which kinds of run it holds the code
 * of (RunKind), and a run of a kind it lacks writes it again, keeping what it held (the functions
 * V8 took from the entry are in the data it writes); once every kind in use has written, runs
 * write nothing.
 * Every failure to read or write the cache is ignored: it only ever costs speed.
 * MESHBOOK_NO_CODE_CACHE=1 turns it off.
 */
export function installCodeCache(cacheDir: string, options: { fullRun?: boolean; json?: boolean } = {}): void {
  if (process.env['MESHBOOK_NO_CODE_CACHE']) return;
  const kinds = runKinds(options);
  const toWrite = new Map<string, { script: vm.Script; digest: Buffer; kinds: number }>();
  type Compile = (this: Module, content: string, filename: string) => unknown;
  const proto = Module.prototype as unknown as { _compile: Compile };
  const compile = proto._compile;
  proto._compile = function (this: Module, content: string, filename: string): unknown {
    // Only meshbook's bundles: Node 20 cannot run `import()` in code from cached data, and their build
    // guarantees they hold none. Other CommonJS code (a playbook's dependencies) loads as usual.
    if (!content.startsWith(BUNDLE_MARKER)) return compile.call(this, content, filename);
    const digest = createHash('sha1').update(content).digest();
    const entry = entryPath(cacheDir, filename, digest);
    const cached = readEntry(entry, digest);
    let script: vm.Script;
    try {
      script = new vm.Script(Module.wrap(content), { filename, cachedData: cached?.data });
    } catch {
      return compile.call(this, content, filename); // a syntax error is reported by Node's own path
    }
    const held = cached !== undefined && !script.cachedDataRejected ? cached.kinds : undefined;
    if (held === undefined || (kinds & ~held) !== 0) toWrite.set(entry, { script, digest, kinds: kinds | (held ?? 0) });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename));
  };
  process.once('exit', () => {
    for (const [entry, { script, digest, kinds: written }] of toWrite) writeEntry(entry, digest, written, script.createCachedData());
  });
}

/** The first line of every meshbook bundle (scripts/bundle.mjs), whose build checks it holds no `import()`. */
export const BUNDLE_MARKER = '// meshbook bundle: no import() inside (startup/code-cache.ts)';

/**
 * The kinds of run whose code an entry holds, as bits: a playbook run (the SSH stack and the
 * runner) and, of those, one printing `--json` (the JSON lines reporter instead of the terminal's).
 * A listing or `--version` is neither: what it compiles, every run compiles.
 */
export const RunKind = { playbookRun: 1, jsonRun: 2 } as const;

function runKinds(options: { fullRun?: boolean; json?: boolean }): number {
  if (options.fullRun !== true) return 0;
  return RunKind.playbookRun | (options.json === true ? RunKind.jsonRun : 0);
}

/** `<file name>-<hash of its path>.<hash of its text>.v8`: one entry per file and text. */
function entryPath(cacheDir: string, filename: string, digest: Buffer): string {
  return join(cacheDir, `${basename(filename)}-${sha1(filename).slice(0, 8)}.${digest.toString('hex').slice(0, 20)}.v8`);
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** An entry's first bytes: a format tag, the kinds of run it holds, the SHA-1 of the text it was compiled from; then V8's data. */
const HEADER_TAG = Buffer.from('MBv9');
const DIGEST_BYTES = 20;
const HEADER_BYTES = HEADER_TAG.length + 1 + DIGEST_BYTES;

/** What Node gives a CommonJS module as `require`, built the way v8-compile-cache does (Module internals Node has kept stable for years). */
function requireFor(module: Module): NodeJS.Require {
  const resolve = (request: string, options?: { paths?: string[] }) =>
    (Module as unknown as { _resolveFilename(r: string, m: Module, isMain: boolean, o?: unknown): string })._resolveFilename(request, module, false, options);
  const require = ((id: string) => module.require(id)) as NodeJS.Require;
  require.resolve = Object.assign(resolve, { paths: (request: string) => (Module as unknown as { _resolveLookupPaths(r: string, m: Module): string[] | null })._resolveLookupPaths(request, module) });
  require.main = process.mainModule;
  require.cache = (Module as unknown as { _cache: NodeJS.Require['cache'] })._cache;
  require.extensions = (Module as unknown as { _extensions: NodeJS.Require['extensions'] })._extensions;
  return require;
}

/**
 * V8's data and the kinds of run it holds; undefined when missing, in another format, or compiled
 * from another text than `digest` names (then compiled from source and written anew).
 */
function readEntry(path: string, digest: Buffer): { data: Buffer; kinds: number } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  if (bytes.length <= HEADER_BYTES || !bytes.subarray(0, HEADER_TAG.length).equals(HEADER_TAG)) return undefined;
  if (!bytes.subarray(HEADER_TAG.length + 1, HEADER_BYTES).equals(digest)) return undefined;
  return { data: bytes.subarray(HEADER_BYTES), kinds: bytes[HEADER_TAG.length]! };
}

/** Written to a temp name and renamed (a concurrent run reads all or nothing); older entries of the same file go. */
function writeEntry(entry: string, digest: Buffer, kinds: number, data: Buffer): void {
  try {
    const dir = dirname(entry);
    mkdirSync(dir, { recursive: true });
    const tmp = `${entry}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([HEADER_TAG, Buffer.from([kinds]), digest, data]));
    renameSync(tmp, entry);
    const prefix = basename(entry).replace(/\.[0-9a-f]+\.v8$/, '.');
    for (const old of readdirSync(dir)) {
      if (old.startsWith(prefix) && old.endsWith('.v8') && old !== basename(entry)) rmSync(join(dir, old), { force: true });
    }
  } catch {
    // a read-only or full disk: the next run compiles again
  }
}
