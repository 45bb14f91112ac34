import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256 } from '@meshbook/engine';
import { nearestCacheDir } from './cache-dir.js';

/**
 * Where a playbook's compiled module is kept between runs, like Python's __pycache__: a re-run of
 * an unchanged playbook loads plain JavaScript and starts no compiler. The nearest node_modules
 * above the playbook holds it: Node then resolves the module's package imports exactly as from
 * the playbook's own directory, since no directory in between has one. Undefined when there is
 * none: the playbook can then import no packages, and is compiled per run.
 */
export function playbookCacheDir(playbookFile: string): string | undefined {
  return nearestCacheDir(dirname(playbookFile), 'playbooks');
}

/** What a compiled playbook was built from: every local source file and its content hash. */
export interface CacheManifest {
  /** Changes when the compiler or its options change, so old outputs are rebuilt. */
  compiler: string;
  /** The compiled module, a file name in the cache dir (content-addressed: a new build never reuses an imported URL). */
  output: string;
  inputs: Record<string, string>;
}

/** The cache entry of one playbook file: one manifest per absolute path. */
export function manifestPathFor(cacheDir: string, playbookFile: string): string {
  return join(cacheDir, `${sha256(playbookFile).slice(0, 24)}.json`);
}

/**
 * The cached output when the manifest matches the compiler and every input still has the hash it
 * was built from; undefined otherwise (missing, edited, deleted, or unreadable: then compile).
 */
export async function cachedOutput(cacheDir: string, playbookFile: string, compiler: string): Promise<string | undefined> {
  let manifest: CacheManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPathFor(cacheDir, playbookFile), 'utf8')) as CacheManifest;
  } catch {
    return undefined;
  }
  if (manifest.compiler !== compiler || typeof manifest.output !== 'string' || !manifest.inputs) return undefined;
  const unchanged = await Promise.all(
    Object.entries(manifest.inputs).map(async ([path, hash]) => sha256(await readFile(path).catch(() => '')) === hash),
  );
  if (!unchanged.every(Boolean)) return undefined;
  const output = join(cacheDir, manifest.output);
  // Only whether it is there: Node reads it when the playbook is imported.
  return (await access(output).then(() => true, () => false)) ? output : undefined;
}

/**
 * Stores a build: the module under a name from its content, then the manifest pointing at it, each
 * written to a temp name and renamed, so a concurrent run reads either the old entry or the new
 * one, never half a file. Returns the module's path; a directory that cannot be written rejects
 * (compiledPlaybook reports it as BAD_INPUT naming the directory).
 */
export async function storeOutput(cacheDir: string, playbookFile: string, compiler: string, code: string, inputs: Record<string, string>): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const name = `${sha256(playbookFile).slice(0, 12)}-${sha256(code).slice(0, 16)}.mjs`;
  const output = join(cacheDir, name);
  await atomicWrite(output, code);
  const manifestPath = manifestPathFor(cacheDir, playbookFile);
  const previous = await readFile(manifestPath, 'utf8').then((t) => (JSON.parse(t) as CacheManifest).output, () => undefined);
  const manifest: CacheManifest = { compiler, output: name, inputs };
  await atomicWrite(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  // The previous build of this playbook is no longer referenced (a run that already imported it keeps it in memory).
  if (previous && previous !== name && !previous.includes('/')) await rm(join(cacheDir, previous), { force: true });
  return output;
}

async function atomicWrite(path: string, content: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}
