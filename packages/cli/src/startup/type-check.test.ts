import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { typeCheckPlaybook } from './type-check.js';

const typescriptDir = dirname(createRequire(import.meta.url).resolve('typescript/package.json'));
const SLOPPY = 'function double(x) { return x * 2; }\nexport default { name: String(double(1)), plays: [] };\n';

/** A project with its own TypeScript (node_modules/typescript) and the given files. */
function project(files: Record<string, string>, withTypeScript = true): string {
  const root = mkdtempSync(join(tmpdir(), 'meshbook-typecheck-'));
  mkdirSync(join(root, 'node_modules'));
  if (withTypeScript) symlinkSync(typescriptDir, join(root, 'node_modules', 'typescript'), 'dir');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

function typeErrorOf(file: string): MeshbookError {
  try {
    typeCheckPlaybook(file);
  } catch (error) {
    expect(error).toBeInstanceOf(MeshbookError);
    return error as MeshbookError;
  }
  throw new Error(`${file} type-checked`);
}

// Each check loads TypeScript and its standard library: seconds, not milliseconds.
describe('typeCheckPlaybook', { timeout: 60_000 }, () => {
  it('a type error is BAD_INPUT with file, line and column', () => {
    const root = project({ 'site.ts': "const n: number = 'not a number';\nexport default { name: String(n), plays: [] };\n" });
    const error = typeErrorOf(join(root, 'site.ts'));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain(`${join(root, 'site.ts')}:1:7: error TS2322: Type 'string' is not assignable to type 'number'.`);
    expect(error.hint).toContain("meshbook's built-in strict settings");
  });

  it('uses the nearest tsconfig.json that includes the playbook, else strict settings', () => {
    const loose = project({ 'tsconfig.json': JSON.stringify({ compilerOptions: { strict: false, noEmit: true }, include: ['playbooks'] }), 'playbooks/site.ts': SLOPPY });
    expect(typeCheckPlaybook(join(loose, 'playbooks', 'site.ts'))).toMatchObject({ checked: true, config: join(loose, 'tsconfig.json') });
    // A solution-style tsconfig (files: []) does not include it: the built-in strict settings apply, and `x` has an implicit any.
    const solution = project({ 'tsconfig.json': JSON.stringify({ files: [], references: [] }), 'playbooks/site.ts': SLOPPY });
    expect(typeErrorOf(join(solution, 'playbooks', 'site.ts')).message).toContain('site.ts:1:17: error TS7006');
  });

  it('says why when the project has no TypeScript', () => {
    const root = project({ 'site.ts': SLOPPY }, false);
    const result = typeCheckPlaybook(join(root, 'site.ts'));
    expect(result).toMatchObject({ checked: false });
    expect(!result.checked && result.why).toContain('npm install --save-dev typescript');
  });
});
