import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { loadPlaybook } from './load-playbook.js';

const dir = mkdtempSync(join(tmpdir(), 'meshbook-pb-'));
writeFileSync(join(dir, 'good.ts'), "const name: string = 'tiny';\nexport default { name, plays: [] };\n");
writeFileSync(join(dir, 'named.ts'), "export const playbook = { name: 'named', plays: [] };\n");
writeFileSync(join(dir, 'nothing.ts'), 'export const answer: number = 42;\n');
writeFileSync(join(dir, 'throws.ts'), "throw new Error('boom at load');\n");

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

  it('names the file and the expected export when there is no playbook', async () => {
    const error = await badInput('nothing.ts');
    expect(error.message).toContain(join(dir, 'nothing.ts'));
    expect(error.describe()).toContain('export default definePlaybook');
  });

  it('reports a missing file and a playbook that throws while loading as BAD_INPUT', async () => {
    expect((await badInput('absent.ts')).message).toContain('playbook not found');
    expect((await badInput('throws.ts')).message).toContain('boom at load');
  });
});
