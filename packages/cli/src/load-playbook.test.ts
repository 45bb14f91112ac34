import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { loadPlaybook } from './load-playbook.js';

const dir = mkdtempSync(join(tmpdir(), 'meshbook-pb-'));
writeFileSync(join(dir, 'good.ts'), "const name: string = 'tiny';\nexport default { name, plays: [] };\n");
writeFileSync(join(dir, 'named.ts'), "export const playbook = { name: 'named', plays: [] };\n");
writeFileSync(join(dir, 'nothing.ts'), 'export const answer: number = 42;\n');
writeFileSync(join(dir, 'throws.ts'), "import { explode } from './lib/explode.ts';\nconst retries: number = 3;\nif (retries > 2) explode('config');\nexport default { name: 'x', plays: [] };\n");
mkdirSync(join(dir, 'lib'));
writeFileSync(join(dir, 'lib', 'explode.ts'), "export function explode(what: string): never {\n  throw new Error(`${what} exploded`);\n}\n");
// An installed ES module package, and a playbook importing a name it does not export.
mkdirSync(join(dir, 'node_modules', 'roles'), { recursive: true });
writeFileSync(join(dir, 'node_modules', 'roles', 'package.json'), JSON.stringify({ name: 'roles', type: 'module', exports: './index.js' }));
writeFileSync(join(dir, 'node_modules', 'roles', 'index.js'), 'export const base = 1;\nexport const web = 2;\n');
writeFileSync(join(dir, 'typo.ts'), "import { webb } from 'roles';\nexport default { name: String(webb), plays: [] };\n");

async function badInput(path: string): Promise<MeshbookError> {
  const error = await loadPlaybook(path, dir).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MeshbookError);
  expect((error as MeshbookError).code).toBe('BAD_INPUT');
  return error as MeshbookError;
}

describe('loadPlaybook', () => {
  it('imports a TypeScript default export, resolving the path against cwd', async () => {
    expect(await loadPlaybook('good.ts', dir)).toEqual({ name: 'tiny', plays: [] });
    expect((await loadPlaybook(join(dir, 'named.ts'))).name).toBe('named');
  });

  it('a YAML playbook: BAD_INPUT saying meshbook runs TypeScript playbooks and where the translation is shown', async () => {
    writeFileSync(join(dir, 'site.yml'), '- hosts: all\n  tasks: []\n');
    const error = await badInput('site.yml');
    expect(error.message).toBe(`${join(dir, 'site.yml')} is a YAML playbook; meshbook runs playbooks written in TypeScript (or JavaScript)`);
    expect(error.hint).toContain('Coming from Ansible');
  });

  it('names the file and the expected export when there is no playbook', async () => {
    const error = await badInput('nothing.ts');
    expect(error.message).toContain(join(dir, 'nothing.ts'));
    expect(error.describe()).toContain('export default definePlaybook');
  });

  it('reports a missing file and a playbook that throws while loading as BAD_INPUT', async () => {
    expect((await badInput('absent.ts')).message).toContain('playbook not found');
  });

  it('a throw at the top level names the places in the playbook\'s own files, mapped back from the compiled module', async () => {
    const error = await badInput('throws.ts');
    expect(error.message).toContain('config exploded');
    expect(error.message).toContain(`\n  at ${join(dir, 'lib', 'explode.ts')}:2:9\n  at ${join(dir, 'throws.ts')}:3:18`);
  });

  it('an import of a name a package does not export lists what it exports', async () => {
    const error = await badInput('typo.ts');
    expect(error.message).toContain('"roles" has no export named "webb"');
    expect(error.hint).toBe('it exports: base, web');
  });
});
