import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MeshbookError, isMeshbookError } from '@meshbook/engine';
import type { Playbook } from '@meshbook/engine';
import { compiledPlaybook, isTypeScript } from './startup/compile-playbook.js';
import { importModule } from './startup/import-module.js';

const EXPECTED = 'export default definePlaybook({ name, plays: [...] })';

/**
 * Imports a playbook file (TypeScript or JavaScript) and returns its default export. TypeScript
 * is compiled to a cached module first (compile-playbook.ts).
 */
export async function loadPlaybook(path: string, cwd = process.cwd()): Promise<Playbook> {
  const file = resolve(cwd, path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw new MeshbookError('BAD_INPUT', `playbook not found: ${file}`, { hint: 'give the path to a playbook .ts file, relative to the current directory' });
  }
  const exports = await importFile(file);
  const playbook = exports.default ?? exports.playbook;
  if (!isPlaybook(playbook)) {
    throw new MeshbookError('BAD_INPUT', `${file} does not export a playbook`, {
      hint: `the file must have \`${EXPECTED}\` (or \`export const playbook = ...\`)`,
    });
  }
  return playbook;
}

async function importFile(file: string): Promise<Record<string, unknown>> {
  const module = isTypeScript(file) ? await compiledPlaybook(file) : file;
  try {
    return await importModule(pathToFileURL(module).href);
  } catch (error) {
    if (isMeshbookError(error)) throw error;
    // Errors while loading are the playbook's: a missing import, a throw at top level.
    const message = error instanceof Error ? error.message : String(error);
    throw new MeshbookError('BAD_INPUT', `cannot load playbook ${file}: ${message}`, { cause: error });
  }
}

function isPlaybook(value: unknown): value is Playbook {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; plays?: unknown };
  return typeof candidate.name === 'string' && Array.isArray(candidate.plays);
}
