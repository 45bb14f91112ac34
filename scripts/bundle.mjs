// `pnpm build` step 2 (after tsc -b): each package's published entry points as one CommonJS
// bundle, in <package>/dist/bundle/. Why: Node 20 loads modules file by file, and a run loaded
// ~300 of them (the engine, the modules, zod, yaml, ...): ~0.2 CPU-s of every run's ~0.5 went
// into finding, reading and compiling files. Bundled, the same code loads in about a third of
// that, and the CLI keeps V8's compiled code of a CommonJS bundle between runs (measured in
// bench/README.md).
//
// What stays a package import, loaded from node_modules as usual:
// - the other @meshbook packages (each package keeps its boundary; one instance of each);
// - esbuild (a binary), native addons (*.node; ssh2's own is found through its package, see
//   ssh2CryptoBinding), and what is only loaded on demand (pino, ssh-config, dockerode).
//   handlebars is inlined: the modules bundle runs each file on first use, so it loads with the
//   template module, from the code cache (from node_modules, file by file, it cost ~60 ms of CPU).
// Every other dependency is inlined, and is therefore a devDependency of its package, not installed
// a second time with it (the engine still lists zod and @types/ssh2: its declarations use their
// types). zod is inlined once, in the engine, and exported as `@meshbook/engine/zod`; the modules
// and playbooks bundles import it from there, so schemas and the engine that parses them share one
// zod, loaded once.
import { build, transform } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_MARKER } from '../packages/cli/dist/startup/code-cache.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = 'package.cjs';
const LOADED_FROM_NODE_MODULES = ['@meshbook/*', '*.node', 'cpu-features', 'esbuild', 'pino', 'ssh-config', 'dockerode'];

const packages = [
  {
    dir: 'packages/engine',
    entryPoints: { index: 'dist/index.js', testing: 'dist/testing/index.js', zod: 'dist/zod.js' },
    zodFromEngine: false,
  },
  { dir: 'packages/modules', entryPoints: { index: 'dist/index.js' }, zodFromEngine: true, onDemand: true },
  { dir: 'packages/playbooks', entryPoints: { index: 'dist/index.js' }, zodFromEngine: true },
  { dir: 'packages/cli', entryPoints: { index: 'dist/index.js' }, zodFromEngine: true },
];

for (const pkg of packages) {
  const dir = join(root, pkg.dir);
  const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  rmSync(join(dir, 'dist/bundle'), { recursive: true, force: true });
  // One module graph per package, so one instance of every module: all entry points go into one
  // CommonJS file as namespaces, and each entry point is a small file re-exporting its namespace.
  // CommonJS, not ES modules: Node 20 can keep V8's compiled code of a CommonJS file between runs
  // (the CLI's startup/code-cache.ts), which roughly halves loading it; it has no such hook for ES modules.
  await build({
    absWorkingDir: dir,
    stdin: {
      contents: pkg.onDemand ? onDemandEntry(dir, pkg.entryPoints) : Object.entries(pkg.entryPoints).map(([entry, file]) => `export * as ${entry} from './${file}';`).join('\n'),
      resolveDir: dir,
      sourcefile: `${name}/bundle-entry.js`,
    },
    outfile: `dist/bundle/${BUNDLE}`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // As Node resolves ES modules: no "module" condition, no "module" field.
    conditions: [],
    mainFields: ['main'],
    external: LOADED_FROM_NODE_MODULES,
    // The sources are ES modules: import.meta.url means this file's URL.
    define: { 'import.meta.url': '__meshbookModuleUrl' },
    banner: { js: `${BUNDLE_MARKER}\nvar __meshbookModuleUrl = require('node:url').pathToFileURL(__filename).href;` },
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [zodBinding(pkg.zodFromEngine), importModuleOutside(), ssh2CryptoBinding()],
  });
  assertNoDynamicImport(join(dir, 'dist/bundle', BUNDLE));
  await asciiComments(join(dir, 'dist/bundle', BUNDLE));
  const bundle = createRequire(join(dir, 'package.json'))(join(dir, 'dist/bundle', BUNDLE));
  for (const entry of Object.keys(pkg.entryPoints)) {
    // `exports.x = ...` lines: the form Node's ES module loader reads CommonJS export names from.
    const names = Object.keys(pkg.onDemand ? bundle[entry]() : bundle[entry]);
    const lines = names.map((key) => `exports.${key} = ${entry}.${key};`);
    const binding = pkg.onDemand ? `const ${entry} = require('./${BUNDLE}').${entry}();` : `const { ${entry} } = require('./${BUNDLE}');`;
    writeFileSync(join(dir, 'dist/bundle', `${entry}.cjs`), `'use strict';\n${binding}\n${lines.join('\n')}\n`);
  }
  if (pkg.onDemand) writeOnDemand(dir, bundle);
  declareAsCommonJs(join(dir, 'dist'));
  console.log(`bundled ${name}: ${Object.keys(pkg.entryPoints).join(', ')}`);
}

/**
 * A package of many independent exports (the modules: one playbook uses a handful of ~50) is bundled
 * so that each file's code runs only when first asked for: every file is `require`d in the entry,
 * which makes esbuild wrap each one (and what it imports) in a function run once, on first use.
 * Still one module graph, so one instance of each file whichever way it is reached. `index()` gives
 * the whole package (its index.cjs, for `require`/`import` of the package, loads everything as
 * before); `files[i]()` one re-exported file of the index, for on-demand.cjs (writeOnDemand).
 */
function onDemandEntry(dir, entryPoints) {
  const files = reExportedFiles(dir, entryPoints.index);
  return [
    `export const index = () => require('./${entryPoints.index}');`,
    `export const files = [\n${files.map((file) => `  () => require(${JSON.stringify(`./${file}`)}),`).join('\n')}\n];`,
  ].join('\n');
}

/** The files an index re-exports from (`export ... from './x.js'`), relative to the package. */
function reExportedFiles(dir, index) {
  const specifiers = [...readFileSync(join(dir, index), 'utf8').matchAll(/^export\s[^;]*?\sfrom\s+'(\.[^']+)'/gm)].map((m) => m[1]);
  return [...new Set(specifiers)].map((specifier) => posix.join(posix.dirname(index), specifier));
}

/**
 * dist/bundle/on-demand.cjs: each export of the package by name, its file's code run on first use.
 * The CLI's playbook compiler (startup/compile-playbook.ts) imports a package's exports from here
 * when the package has it, so a playbook run loads the modules it uses, not every module.
 */
function writeOnDemand(dir, bundle) {
  const fileOf = {};
  const names = Object.keys(bundle.index());
  bundle.files.forEach((load, i) => {
    for (const name of Object.keys(load())) if (names.includes(name) && !(name in fileOf)) fileOf[name] = i;
  });
  const missing = names.filter((name) => !(name in fileOf));
  if (missing.length > 0) throw new Error(`${dir}: exports not found in any re-exported file: ${missing.join(', ')}`);
  writeFileSync(
    join(dir, 'dist/bundle/on-demand.cjs'),
    `'use strict';
// Generated by scripts/bundle.mjs (writeOnDemand): each export's file in ${BUNDLE}, loaded on first use.
const fileOf = ${JSON.stringify(fileOf)};
exports.exportNames = Object.keys(fileOf);
exports.load = function load(name) {
  if (!Object.hasOwn(fileOf, name)) throw new Error(\`\${JSON.stringify(name)} is not exported by this version of the package: recompile the playbook (delete its compiled cache) or update the package\`);
  return require('./${BUNDLE}').files[fileOf[name]]()[name];
};
exports.loadAll = function loadAll() {
  return require('./index.cjs');
};
`,
  );
}

/**
 * What is published runs as CommonJS (the bundles), so its types must say CommonJS too: a `.d.ts`
 * in a "type": "module" package declares an ES module, which a CommonJS TypeScript project cannot
 * `require` (TS1479) and which misdescribes the .cjs to ES module projects. Each declaration gets a
 * `.d.cts` twin whose relative imports name `.cjs` files (so they resolve to the twins); the
 * package.json `exports` point their `types` at these.
 */
function declareAsCommonJs(distDir) {
  for (const entry of readdirSync(distDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    const text = readFileSync(file, 'utf8')
      .replace(/((?:from|import\()\s*['"]\.{1,2}\/[^'"]*?)\.js(['"])/g, '$1.cjs$2')
      .replace(/^\/\/# sourceMappingURL=.*$/m, '');
    writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text);
  }
}

/**
 * The CLI's startup/import-module.ts does the CLI's `import()`s (of esbuild, @meshbook/fleet and the playbook). It
 * stays an ES module of its own next to the bundle, required by it: the bundle runs from V8's code
 * cache, where Node 20 cannot run `import()`.
 */
function importModuleOutside() {
  return {
    name: 'import-module-outside',
    setup(b) {
      b.onResolve({ filter: /\/import-module\.js$/ }, () => ({ path: '../startup/import-module.js', external: true }));
    },
  };
}

/**
 * esbuild escapes non-ASCII characters in code but copies the comments it keeps as they are (an
 * emoji in a dependency's doc comment, a dash in ours), and one such character makes Node read
 * the whole bundle as a two-byte string: twice the memory, and slower to read and to hash for the
 * CLI's code cache (startup/code-cache.ts). They are written as \u escapes when that changes no
 * code, which is checked: the bundle minifies (comments dropped) to the same text either way.
 * Otherwise (a regular expression holding such a character, say) the bundle is left as it is.
 */
async function asciiComments(file) {
  const text = readFileSync(file, 'utf8');
  if (!/[^\x00-\x7f]/.test(text)) return;
  // Each UTF-16 unit on its own: a surrogate pair stays one character in strings and expressions alike.
  const escaped = text.replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const code = async (source) => (await transform(source, { minify: true, legalComments: 'none', logLevel: 'silent' })).code;
  if ((await code(escaped)) === (await code(text))) writeFileSync(file, escaped);
}

/** What the code cache relies on (see importModuleOutside): no `import(` outside comments. */
function assertNoDynamicImport(file) {
  const offending = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /\bimport\s*\(/.test(line) && !line.trim().startsWith('//'));
  if (offending.length > 0) throw new Error(`${file} contains import() (use the CLI's startup/import-module.ts):\n${offending.join('\n')}`);
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

/**
 * ssh2 (inlined) loads its optional native crypto with `require('./crypto/build/Release/sshcrypto.node')`,
 * relative to its own file, which from the bundle names nothing: without it ssh2 runs AES-GCM in JS
 * and makes a node:crypto cipher object for every packet. In the bundle that require becomes: the
 * binding of the ssh2 installed where the bundle resolves packages, if it is the very version
 * inlined (the binding's interface is ssh2's internal one). Anything else (ssh2 not installed, as in
 * a published install, where it is a devDependency; another version; the binding never compiled,
 * which ssh2's install does only when a compiler is there; built for another Node) throws, and
 * ssh2's own try/catch takes the JS path, as it does unbundled without the binding.
 */
function ssh2CryptoBinding() {
  return {
    name: 'ssh2-crypto-binding',
    setup(b) {
      b.onResolve({ filter: /[\\/]sshcrypto\.node$/ }, (args) => {
        const ssh2 = enclosingPackage(args.importer);
        if (ssh2?.name !== 'ssh2') return undefined;
        const inPackage = relative(ssh2.dir, join(dirname(args.importer), args.path)).split(sep).join('/');
        return { path: `ssh2/${inPackage}`, namespace: 'ssh2-crypto-binding', pluginData: { version: ssh2.version, inPackage } };
      });
      b.onLoad({ filter: /.*/, namespace: 'ssh2-crypto-binding' }, ({ pluginData: { version, inPackage } }) => ({
        contents: `const fromBundle = require('node:module').createRequire(__filename);
const manifest = fromBundle.resolve('ssh2/package.json');
const installed = fromBundle(manifest).version;
if (installed !== ${JSON.stringify(version)}) throw new Error(\`ssh2 \${installed} is installed, ${version} is bundled: not its binding\`);
module.exports = fromBundle(require('node:path').join(manifest, '..', ${JSON.stringify(inPackage)}));
`,
        loader: 'js',
      }));
    },
  };
}

/** The nearest package.json above a file: its directory, name and version. */
function enclosingPackage(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'));
      if (name) return { dir, name, version };
    }
  }
  return undefined;
}
