import { readFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Message, Plugin, PluginBuild } from 'esbuild';
import { MeshbookError, sha256 } from '@meshbook/engine';
import { importModule } from './import-module.js';
import { cachedOutput, playbookCacheDir, storeOutput } from './playbook-cache.js';
import { typeCheckPlaybook } from './type-check.js';

/** Bump when the build below changes what it emits: every cached playbook is then rebuilt. */
const COMPILER = 'meshbook-playbook-v3';
const TYPESCRIPT = /\.[cm]?tsx?$/;

/** Whether a playbook file needs compiling (.ts, .mts, .cts, .tsx). */
export const isTypeScript = (file: string): boolean => TYPESCRIPT.test(file) && !file.endsWith('.d.ts');

/**
 * A TypeScript playbook as one plain ES module: the playbook and the local files it imports,
 * type-stripped by esbuild; packages stay imports that Node resolves at run time, so the engine
 * and modules the playbook uses are the very ones the CLI runs (one instance of each class).
 *
 * Before it is cached, the playbook is type-checked with the project's TypeScript (type-check.ts): a
 * type error is bad input, before anything connects.
 *
 * This replaces a loader hook (tsx): on Node 20 such hooks run in a second thread that costs
 * ~0.4 CPU-s per run. The module is cached (playbook-cache.ts) and rebuilt (and checked) only when a
 * source file or the tsconfig.json it was checked with changed, so most runs load plain JavaScript
 * and start neither the compiler nor the type checker.
 */
export async function compiledPlaybook(file: string, onWarning: (message: string) => void = () => undefined): Promise<string> {
  const cacheDir = playbookCacheDir(file) ?? join(tmpdir(), 'meshbook-playbooks');
  const cached = await cachedOutput(cacheDir, file, COMPILER);
  if (cached) return cached;
  const { code, inputs } = await build(file);
  const checked = typeCheckPlaybook(file);
  if (!checked.checked) onWarning(`playbook not type-checked: ${checked.why}`);
  else if (checked.config) inputs[checked.config] = sha256(await readFile(checked.config, 'utf8'));
  try {
    return await storeOutput(cacheDir, file, COMPILER, code, inputs);
  } catch (error) {
    throw new MeshbookError('BAD_INPUT', `cannot write the compiled playbook to ${cacheDir}: ${(error as Error).message}`, {
      hint: 'meshbook keeps compiled playbooks there (like __pycache__); make that directory writable',
      cause: error,
    });
  }
}

async function build(file: string): Promise<{ code: string; inputs: Record<string, string> }> {
  const esbuild = await importModule<typeof import('esbuild')>('esbuild');
  const sources = new Map<string, string>();
  let result;
  try {
    result = await esbuild.build({
      // Locations in errors are relative to this: made absolute again below.
      absWorkingDir: dirname(file),
      entryPoints: [file],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // As Node resolves ES modules: no "module" condition, no "module" field.
      conditions: [],
      mainFields: ['main'],
      sourcemap: 'inline',
      // Sources are named relative to the playbook's directory: absolute once joined with this.
      sourceRoot: `${pathToFileURL(dirname(file)).href}/`,
      logLevel: 'silent',
      plugins: [packagesAsImports(sources), importMetaOfEachFile(esbuild.transform, sources)],
    });
  } catch (error) {
    const failure = error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> };
    const first = failure.errors?.[0];
    const where = first?.location ? `${resolve(dirname(file), first.location.file)}:${first.location.line}:${first.location.column + 1}: ` : '';
    const unresolved = /^Could not resolve "([^"]+)"/.exec(first?.text ?? '')?.[1];
    if (unresolved !== undefined && !/^[./]/.test(unresolved)) {
      const name = packageName(unresolved);
      throw new MeshbookError('BAD_INPUT', `cannot compile playbook ${file}: ${where}package "${name}" is not installed where the playbook is`, {
        hint: `install it in the playbook's project (the directory with its package.json, at or above ${dirname(file)}): npm install ${name}`,
        cause: error,
      });
    }
    throw new MeshbookError('BAD_INPUT', `cannot compile playbook ${file}: ${where}${first?.text ?? (error as Error).message}`, {
      hint: unresolved !== undefined ? 'check the import path at that place' : 'fix the TypeScript at that place',
      cause: error,
    });
  } finally {
    // esbuild's service is a child process: ended now, not left idle for the rest of the run.
    await esbuild.stop();
  }
  const inputs: Record<string, string> = {};
  for (const [path, source] of sources) inputs[path] = sha256(source);
  return { code: result.outputFiles[0]!.text, inputs };
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Packages are not bundled: they are left as imports for Node, except a package whose entry is
 * TypeScript source (a workspace package of roles, say), which Node could not load: that one is
 * compiled in like a local file. A package that offers its exports one by one (`<package>/on-demand`,
 * as @meshbook/modules does) is imported through it (onDemandImports), so a run loads the code of
 * what the playbook uses.
 */
function packagesAsImports(sources: Map<string, string>): Plugin {
  return {
    name: 'meshbook-packages-as-imports',
    setup(build: PluginBuild) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'resolving') return undefined; // our own lookup below: esbuild's resolver answers
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (isTypeScript(resolved.path)) return { path: resolved.path };
        if (args.kind === 'import-statement' && args.path === packageName(args.path)) {
          const onDemand = await build.resolve(`${args.path}/on-demand`, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
          if (onDemand.errors.length === 0 && !isTypeScript(onDemand.path)) {
            sources.set(onDemand.path, await readFile(onDemand.path, 'utf8'));
            return { path: onDemand.path, namespace: ON_DEMAND, pluginData: { specifier: args.path, resolveDir: args.resolveDir } };
          }
        }
        return { path: args.path, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: ON_DEMAND }, (args) => {
        const { specifier, resolveDir } = args.pluginData as { specifier: string; resolveDir: string };
        return { contents: onDemandImports(specifier, args.path), resolveDir, loader: 'js' };
      });
    },
  };
}

const ON_DEMAND = 'meshbook-on-demand';

/**
 * The package's exports, each loaded on first use through `<package>/on-demand`. Every export is a
 * pure call, so esbuild drops those the playbook does not import and the run never loads their code.
 */
function onDemandImports(specifier: string, onDemandFile: string): string {
  const { exportNames } = createRequire(onDemandFile)(onDemandFile) as { exportNames: string[] };
  const from = JSON.stringify(`${specifier}/on-demand`);
  return [
    `import { load, loadAll } from ${from};`,
    ...exportNames.map((name) => `export const ${name} = /* @__PURE__ */ load(${JSON.stringify(name)});`),
    'export default /* @__PURE__ */ loadAll();',
  ].join('\n');
}

/**
 * `import.meta.url`, `.dirname` and `.filename` keep meaning the source file, not the bundle in the
 * cache: playbooks find their templates with `new URL('./templates/x', import.meta.url)`. Each
 * source is stripped on its own with those three defined. Also records every source read, for the
 * cache's validity check.
 */
function importMetaOfEachFile(transform: typeof import('esbuild').transform, sources: Map<string, string>): Plugin {
  return {
    name: 'meshbook-import-meta-of-each-file',
    setup(build: PluginBuild) {
      build.onLoad({ filter: /\.([cm]?[jt]sx?)$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        sources.set(args.path, source);
        try {
          const stripped = await transform(source, {
            loader: loaderFor(args.path),
            format: 'esm',
            target: 'node20',
            sourcefile: args.path,
            sourcemap: 'inline',
            define: {
              'import.meta.url': JSON.stringify(pathToFileURL(args.path).href),
              'import.meta.dirname': JSON.stringify(dirname(args.path)),
              'import.meta.filename': JSON.stringify(args.path),
            },
          });
          return { contents: stripped.code, loader: 'js' };
        } catch (error) {
          // Handed to the build, which reports it with the file, line and column like any other.
          return { errors: (error as { errors?: Message[] }).errors ?? [{ text: (error as Error).message }] };
        }
      });
    },
  };
}

function loaderFor(path: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  const jsx = path.endsWith('x');
  if (TYPESCRIPT.test(path)) return jsx ? 'tsx' : 'ts';
  return jsx ? 'jsx' : 'js';
}
