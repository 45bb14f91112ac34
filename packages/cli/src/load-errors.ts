import { readFileSync } from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MeshbookError } from '@meshbook/engine';
import { importModule } from './startup/import-module.js';

/** How many places of a throw's stack are shown: the throw and the playbook lines that led to it. */
const MAX_PLACES = 3;

/**
 * What went wrong while Node loaded a playbook, said so the user can fix it: an import of a name a
 * package does not export (with the names it does export), a package that is not installed, or a
 * throw at the playbook's top level (with the file:line:col of the playbook's own sources, mapped
 * back from the compiled module).
 */
export async function playbookLoadError(error: unknown, file: string, loaded: string): Promise<MeshbookError> {
  const message = error instanceof Error ? error.message : String(error);
  const missing = missingExport(message);
  if (missing) {
    const exports = await exportsOf(missing.module, loaded);
    return new MeshbookError('BAD_INPUT', `cannot load playbook ${file}: "${missing.module}" has no export named "${missing.name}"`, {
      hint: exports ? `it exports: ${exports.join(', ')}` : `check the name and the version of ${missing.module}`,
      cause: error,
    });
  }
  const notFound = /^Cannot find (?:package|module) '([^']+)'/.exec(message);
  if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && notFound) {
    const name = notFound[1]!;
    return new MeshbookError('BAD_INPUT', `cannot load playbook ${file}: ${isAbsolute(name) ? `${name} not found` : `package "${name}" is not installed`}`, {
      hint: isAbsolute(name) ? 'check the import path' : `install it in the playbook's project: npm install ${name}`,
      cause: error,
    });
  }
  const places = playbookPlaces(error, loaded);
  return new MeshbookError('BAD_INPUT', `cannot load playbook ${file}: ${message}${places.map((p) => `\n  at ${p}`).join('')}`, {
    hint: places.length > 0 ? 'the playbook threw while it was loaded, at the place above' : 'the playbook threw while it was loaded',
    cause: error,
  });
}

/** Node's two wordings: for a CommonJS package, and for an ES module. */
function missingExport(message: string): { name: string; module: string } | undefined {
  const commonJs = /Named export '([^']+)' not found\. The requested module '([^']+)'/.exec(message);
  if (commonJs) return { name: commonJs[1]!, module: commonJs[2]! };
  const esm = /The requested module '([^']+)' does not provide an export named '([^']+)'/.exec(message);
  if (esm) return { name: esm[2]!, module: esm[1]! };
  return undefined;
}

async function exportsOf(specifier: string, from: string): Promise<string[] | undefined> {
  try {
    const resolved = createRequire(from).resolve(specifier);
    const namespace = await importModule(pathToFileURL(resolved).href);
    return Object.keys(namespace)
      .filter((name) => name !== 'default' && name !== 'module.exports')
      .sort();
  } catch {
    return undefined;
  }
}

/**
 * The places in the playbook's own files that a stack passes through, innermost first, as
 * `file:line:col`. Frames in the compiled module are mapped back through its inline source map;
 * frames Node already mapped (--enable-source-maps) name the source files themselves.
 */
function playbookPlaces(error: unknown, loaded: string): string[] {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const map = inlineSourceMap(loaded);
  const sources = new Set(map?.payload.sources.map((source) => sourcePath(source, map.payload.sourceRoot)) ?? []);
  const places: string[] = [];
  for (const frame of stack.matchAll(/((?:file:\/\/)?\/[^\s():]+):(\d+):(\d+)/g)) {
    const path = frame[1]!.startsWith('file:') ? fileURLToPath(frame[1]!) : frame[1]!;
    const line = Number(frame[2]);
    const column = Number(frame[3]);
    if (path === loaded && map) {
      const entry = map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (entry.originalSource !== undefined && entry.originalLine !== undefined && entry.originalColumn !== undefined) {
        places.push(`${sourcePath(entry.originalSource, map.payload.sourceRoot)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`);
      }
    } else if (sources.has(path) || (!map && path === loaded)) {
      places.push(`${path}:${line}:${column}`);
    }
    if (places.length === MAX_PLACES) break;
  }
  return places;
}

function inlineSourceMap(file: string): SourceMap | undefined {
  try {
    const match = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(readFileSync(file, 'utf8'));
    return match ? new SourceMap(JSON.parse(Buffer.from(match[1]!, 'base64').toString('utf8'))) : undefined;
  } catch {
    return undefined;
  }
}

function sourcePath(source: string, sourceRoot: string | undefined): string {
  const url = new URL(source, sourceRoot || pathToFileURL('/').href);
  return url.protocol === 'file:' ? fileURLToPath(url) : source;
}
