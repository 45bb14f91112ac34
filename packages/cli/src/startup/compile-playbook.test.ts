import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { compiledPlaybook } from './compile-playbook.js';
import { playbookCacheDir } from './playbook-cache.js';

/** A project: a node_modules (so the cache goes in it), a local TS package, and a playbook dir. */
function project(): { root: string; playbook: string; cacheDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'meshbook-compile-'));
  const pkg = join(root, 'node_modules', 'local-roles');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'local-roles', type: 'module', exports: './index.ts' }));
  writeFileSync(join(pkg, 'index.ts'), "export const role: string = 'from a TS package';\n");
  mkdirSync(join(root, 'playbooks', 'lib'), { recursive: true });
  writeFileSync(join(root, 'playbooks', 'lib', 'where.ts'), 'export const whereAmI = (): string => import.meta.url;\n');
  const playbook = join(root, 'playbooks', 'site.ts');
  writeFileSync(
    playbook,
    [
      "import { join } from 'node:path';",
      "import { role } from 'local-roles';",
      "import { whereAmI } from './lib/where.ts';",
      'const plays: string[] = [];',
      'export const facts = { role, lib: whereAmI(), self: import.meta.url, dir: import.meta.dirname, joined: join("a", "b") };',
      "export default { name: 'site', plays };",
    ].join('\n'),
  );
  return { root, playbook, cacheDir: join(root, 'node_modules', '.cache', 'meshbook', 'playbooks') };
}

const importOf = async (path: string) => (await import(pathToFileURL(path).href)) as { facts: Record<string, string> };

describe('compiledPlaybook', () => {
  it('keeps import.meta per source file, compiles local and TS-package imports, leaves builtins to Node', async () => {
    const { root, playbook } = project();
    const { facts } = await importOf(await compiledPlaybook(playbook));
    expect(facts).toEqual({
      role: 'from a TS package',
      lib: pathToFileURL(join(root, 'playbooks', 'lib', 'where.ts')).href,
      self: pathToFileURL(playbook).href,
      dir: join(root, 'playbooks'),
      joined: join('a', 'b'),
    });
  });

  it('caches in the nearest node_modules/.cache and reuses the build until a source file changes', async () => {
    const { root, playbook, cacheDir } = project();
    expect(playbookCacheDir(playbook)).toBe(cacheDir);
    const first = await compiledPlaybook(playbook);
    expect(first.startsWith(cacheDir)).toBe(true);
    expect(await compiledPlaybook(playbook)).toBe(first);

    writeFileSync(join(root, 'playbooks', 'lib', 'where.ts'), "export const whereAmI = (): string => 'edited';\n");
    const rebuilt = await compiledPlaybook(playbook);
    expect(rebuilt).not.toBe(first);
    expect((await importOf(rebuilt)).facts.lib).toBe('edited');
    // The superseded build is removed: one module and one manifest per playbook.
    expect(readdirSync(cacheDir).sort()).toHaveLength(2);
  });

  it('reports a syntax error as BAD_INPUT naming the file, line and column', async () => {
    const { root } = project();
    const broken = join(root, 'playbooks', 'broken.ts');
    writeFileSync(broken, "const x: number = ;\nexport default { name: 'x', plays: [] };\n");
    const error = await compiledPlaybook(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).code).toBe('BAD_INPUT');
    expect((error as MeshbookError).message).toContain(`${broken}:1:19`);
  });

  it('reports an import that cannot be resolved, naming it', async () => {
    const { root } = project();
    const missing = join(root, 'playbooks', 'missing.ts');
    writeFileSync(missing, "import { nope } from 'no-such-package';\nexport default { name: nope, plays: [] };\n");
    const error = (await compiledPlaybook(missing).catch((e: unknown) => e)) as MeshbookError;
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain(`${missing}:1:22: package "no-such-package" is not installed where the playbook is`);
    expect(error.hint).toContain('npm install no-such-package');
  });

  it("imports a package's exports through its on-demand entry: only the files of what the playbook imports run", async () => {
    const { root } = project();
    const pkg = join(root, 'node_modules', 'many-exports');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'many-exports', exports: { '.': './index.cjs', './on-demand': './on-demand.cjs' } }));
    // Each export's "file" records that it ran, in a list the test reads back.
    writeFileSync(
      join(pkg, 'on-demand.cjs'),
      [
        'const ran = (globalThis.manyExportsRan ??= []);',
        "const files = { alpha: () => (ran.push('alpha'), { alpha: 'A' }), beta: () => (ran.push('beta'), { beta: 'B' }), gamma: () => (ran.push('gamma'), { gamma: 'G' }) };",
        'exports.exportNames = Object.keys(files);',
        'exports.load = (name) => files[name]()[name];',
        "exports.loadAll = () => require('./index.cjs');",
      ].join('\n'),
    );
    writeFileSync(join(pkg, 'index.cjs'), "const { load } = require('./on-demand.cjs');\nfor (const name of ['alpha', 'beta', 'gamma']) exports[name] = load(name);\n");
    const playbook = join(root, 'playbooks', 'uses-one.ts');
    writeFileSync(playbook, "import { beta } from 'many-exports';\nexport const facts = { beta };\nexport default { name: 'one', plays: [] };\n");

    const { facts } = await importOf(await compiledPlaybook(playbook));
    expect(facts).toEqual({ beta: 'B' });
    expect((globalThis as { manyExportsRan?: string[] }).manyExportsRan).toEqual(['beta']);
  });
});
