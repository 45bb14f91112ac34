import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MeshbookError, isMeshbookError } from '@meshbook/engine';
import type { Playbook } from '@meshbook/engine';
import { playbookLoadError } from './load-errors.js';
import { compiledPlaybook, isTypeScript } from './startup/compile-playbook.js';
import { importModule } from './startup/import-module.js';

const EXPECTED = 'export default definePlaybook({ name, plays: [...] })';

/**
 * Imports a playbook file (TypeScript or JavaScript) and returns its default export. TypeScript
 * is type-checked and compiled to a cached module first (compile-playbook.ts); `onWarning` hears
 * when it could not be type-checked.
 */
export async function loadPlaybook(path: string, cwd = process.cwd(), onWarning?: (message: string) => void): Promise<Playbook> {
  const file = resolve(cwd, path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw new MeshbookError('BAD_INPUT', `playbook not found: ${file}`, { hint: 'give the path to a playbook .ts file, relative to the current directory' });
  }
  if (/\.ya?ml$/i.test(file)) {
    throw new MeshbookError('BAD_INPUT', `${file} is a YAML playbook; meshbook runs playbooks written in TypeScript (or JavaScript)`, {
      hint: 'translate it to a .ts playbook: README, "Coming from Ansible", shows a YAML playbook and its TypeScript side by side (play vars, connection variables included, keep their names)',
    });
  }
  const exports = await importFile(file, onWarning);
  const playbook = exports.default ?? exports.playbook;
  if (!isPlaybook(playbook)) {
    throw new MeshbookError('BAD_INPUT', `${file} does not export a playbook`, {
      hint: `the file must have \`${EXPECTED}\` (or \`export const playbook = ...\`)`,
    });
  }
  return playbook;
}

async function importFile(file: string, onWarning?: (message: string) => void): Promise<Record<string, unknown>> {
  const module = isTypeScript(file) ? await compiledPlaybook(file, onWarning) : file;
  try {
    return await importModule(pathToFileURL(module).href);
  } catch (error) {
    if (isMeshbookError(error)) throw error;
    // Errors while loading are the playbook's: a missing import, a throw at top level.
    throw await playbookLoadError(error, file, module);
  }
}

function isPlaybook(value: unknown): value is Playbook {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; plays?: unknown };
  return typeof candidate.name === 'string' && Array.isArray(candidate.plays);
}
