// `pnpm build` step 2 (after tsc -b): each package's published entry points as one bundled ES
// module set, in <package>/dist/bundle/. Why: Node 20 loads ES modules file by file, and a run
// loaded ~300 of them (the engine, the modules, zod, yaml, ...): ~0.2 CPU-s of every run's
// ~0.5 went into finding, reading and compiling files. Bundled and tree-shaken, the same code
// loads in about a third of that (measured in bench/README.md).
//
// What stays a package import, loaded from node_modules as usual:
// - the other @meshbook packages (each package keeps its boundary; one instance of each);
// - ssh2 (native bindings found relative to its own files), esbuild (a binary), and what is only
//   loaded on demand (pino, handlebars, ssh-config, dockerode).
// Every other dependency is inlined. zod is inlined once, in the engine, and exported as
// `@meshbook/engine/zod`; the modules and playbooks bundles import it from there, so schemas and
// the engine that parses them share one zod, loaded once.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LOADED_FROM_NODE_MODULES = ['@meshbook/*', 'ssh2', 'cpu-features', 'esbuild', 'pino', 'handlebars', 'ssh-config', 'dockerode'];

const packages = [
  {
    dir: 'packages/engine',
    entryPoints: { index: 'dist/index.js', testing: 'dist/testing/index.js', cli: 'dist/cli/main.js', zod: 'dist/zod.js' },
    zodFromEngine: false,
  },
  { dir: 'packages/modules', entryPoints: { index: 'dist/index.js' }, zodFromEngine: true },
  { dir: 'packages/playbooks', entryPoints: { index: 'dist/index.js' }, zodFromEngine: true },
];

for (const pkg of packages) {
  const dir = join(root, pkg.dir);
  const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  // Chunk names change with their content: a stale one would only take space, but start clean.
  rmSync(join(dir, 'dist/bundle'), { recursive: true, force: true });
  await build({
    absWorkingDir: dir,
    entryPoints: pkg.entryPoints,
    outdir: 'dist/bundle',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // As Node resolves ES modules: no "module" condition, no "module" field.
    conditions: [],
    mainFields: ['main'],
    external: LOADED_FROM_NODE_MODULES,
    // Inlined CommonJS dependencies call require() for Node builtins.
    banner: { js: "import { createRequire as __meshbookCreateRequire } from 'node:module'; const require = __meshbookCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [zodBinding(pkg.zodFromEngine)],
  });
  console.log(`bundled ${name}: ${Object.keys(pkg.entryPoints).join(', ')}`);
}

/**
 * In the modules and playbooks bundles, `zod` is the engine's (see the top of this file). In the
 * engine's, zod's `locales` namespace holds English only: the `z` namespace object keeps every
 * member alive, and the ~40 other languages were half of zod's bytes (370 of 730 KB) to parse on
 * every start. English is the default error language and what meshbook reports in.
 */
function zodBinding(fromEngine) {
  return {
    name: 'zod-from-engine',
    setup(b) {
      if (fromEngine) b.onResolve({ filter: /^zod$/ }, () => ({ path: '@meshbook/engine/zod', external: true }));
      b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
        /[\\/]zod[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-english-only' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
        contents: `export { default as en } from ${JSON.stringify(args.path)};`,
        resolveDir: dirname(args.path),
      }));
    },
  };
}
