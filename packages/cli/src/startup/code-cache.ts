import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
 * A cache entry is named by the file and its content (V8's own check covers only the length): the
 * build's hash of the content on the bundle's first line (stampBundle), with the file's size and
 * mtime for an edit after the build; a bundle without that hash is hashed here. It holds only what its writer compiled: written by `--version` or `--syntax-check`, it
 * lacks the SSH stack and the runner, which every later run would then compile again. So an entry
 * says whether a playbook run wrote it (`fullRun`), and the first playbook run that finds one a
 * lighter command wrote writes it again; after that, runs write nothing.
 * Every failure to read or write the cache is ignored: it only ever costs speed.
 * MESHBOOK_NO_CODE_CACHE=1 turns it off.
 */
export function installCodeCache(cacheDir: string, options: { fullRun?: boolean } = {}): void {
  const fullRun = options.fullRun === true;
  if (process.env['MESHBOOK_NO_CODE_CACHE']) return;
  const toWrite = new Map<string, vm.Script>();
  type Compile = (this: Module, content: string, filename: string) => unknown;
  const proto = Module.prototype as unknown as { _compile: Compile };
  const compile = proto._compile;
  proto._compile = function (this: Module, content: string, filename: string): unknown {
    // Only meshbook's bundles: Node 20 cannot run `import()` in code from cached data, and their build
    // guarantees they hold none. Other CommonJS code (a playbook's dependencies) loads as usual.
    if (!content.startsWith(BUNDLE_MARKER)) return compile.call(this, content, filename);
    const entry = join(cacheDir, `${basename(filename)}-${sha1(filename).slice(0, 8)}.${contentKey(content, filename).slice(0, 20)}.v8`);
    const cached = readEntry(entry);
    let script: vm.Script;
    try {
      script = new vm.Script(Module.wrap(content), { filename, cachedData: cached?.data });
    } catch {
      return compile.call(this, content, filename); // a syntax error is reported by Node's own path
    }
    if (cached === undefined || script.cachedDataRejected || (fullRun && !cached.fullRun)) toWrite.set(entry, script);
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename));
  };
  process.once('exit', () => {
    for (const [entry, script] of toWrite) writeEntry(entry, script.createCachedData(), fullRun);
  });
}

/** The first line of every meshbook bundle (scripts/bundle.mjs), whose build checks it holds no `import()`. */
export const BUNDLE_MARKER = '// meshbook bundle: no import() inside (startup/code-cache.ts)';

/**
 * The bundle's first line with the content's hash, added by its build: hashing ~2.5 MB of bundles
 * on every start cost ~10 ms of CPU. The hash covers everything after the first line.
 */
export function stampBundle(content: string): string {
  const body = content.startsWith(BUNDLE_MARKER) ? content.slice(content.indexOf('\n') + 1) : content;
  return `${BUNDLE_MARKER}${STAMP_PREFIX}${sha1(body)}\n${body}`;
}

const STAMP_PREFIX = ' build ';
const STAMP = /^ build ([0-9a-f]{40})$/;

/** What names the content in an entry: the build's hash with the file's size and mtime, else a hash of the content. */
function contentKey(content: string, filename: string): string {
  const stamp = STAMP.exec(content.slice(BUNDLE_MARKER.length, content.indexOf('\n')))?.[1];
  if (stamp === undefined) return sha1(content);
  try {
    const { size, mtimeMs } = statSync(filename);
    return sha1(`${stamp} ${size} ${mtimeMs}`);
  } catch {
    return sha1(content);
  }
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** An entry's first bytes: a format tag and whether a playbook run wrote it, then V8's data. */
const HEADER_TAG = Buffer.from('MBv8');
const HEADER_BYTES = HEADER_TAG.length + 1;

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

/** V8's data and who wrote it; undefined when missing or in another format (then written anew). */
function readEntry(path: string): { data: Buffer; fullRun: boolean } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  if (bytes.length <= HEADER_BYTES || !bytes.subarray(0, HEADER_TAG.length).equals(HEADER_TAG)) return undefined;
  return { data: bytes.subarray(HEADER_BYTES), fullRun: bytes[HEADER_TAG.length] === 1 };
}

/** Written to a temp name and renamed (a concurrent run reads all or nothing); older entries of the same file go. */
function writeEntry(entry: string, data: Buffer, fullRun: boolean): void {
  try {
    const dir = dirname(entry);
    mkdirSync(dir, { recursive: true });
    const tmp = `${entry}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([HEADER_TAG, Buffer.from([fullRun ? 1 : 0]), data]));
    renameSync(tmp, entry);
    const prefix = basename(entry).replace(/\.[0-9a-f]+\.v8$/, '.');
    for (const old of readdirSync(dir)) {
      if (old.startsWith(prefix) && old.endsWith('.v8') && old !== basename(entry)) rmSync(join(dir, old), { force: true });
    }
  } catch {
    // a read-only or full disk: the next run compiles again
  }
}
