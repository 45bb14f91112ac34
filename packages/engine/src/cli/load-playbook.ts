import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MeshbookError, isMeshbookError } from '../errors.js';
import type { Playbook } from '../runner/types.js';

const EXPECTED = 'export default definePlaybook({ name, plays: [...] })';

/**
 * Imports a playbook file (TypeScript or JavaScript) and returns its default export. tsx's loader
 * is registered only now, for the playbook: the engine itself is plain JavaScript and loads
 * faster without it (measured: ~0.35 CPU-s and ~30 MB less per run).
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

let tsxRegistered = false;

async function registerTypeScriptLoader(): Promise<void> {
  if (tsxRegistered) return;
  const { register } = await import('tsx/esm/api');
  register();
  tsxRegistered = true;
}

async function importFile(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    if (/\.[cm]?tsx?$/.test(file)) await registerTypeScriptLoader();
    try {
      return (await import(url)) as Record<string, unknown>;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    }
  } catch (error) {
    if (isMeshbookError(error)) throw error;
    // Errors while loading are the playbook's: a syntax error, a missing import, a throw at top level.
    const message = error instanceof Error ? error.message : String(error);
    throw new MeshbookError('BAD_INPUT', `cannot load playbook ${file}: ${message}`, { cause: error });
  }
}

function isPlaybook(value: unknown): value is Playbook {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; plays?: unknown };
  return typeof candidate.name === 'string' && Array.isArray(candidate.plays);
}
