import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type * as TypeScript from 'typescript';
import { MeshbookError } from '@meshbook/engine';

/** What a type-check found: nothing wrong, or that it could not run (then the caller warns). */
export type TypeCheckResult = { checked: true; with: string; config?: string } | { checked: false; why: string };

/** Shown at most: the first errors are the ones to fix, later ones often follow from them. */
const MAX_ERRORS = 10;

/**
 * Settings for a playbook no tsconfig.json includes: strict, and resolving packages the way Node
 * runs the compiled playbook (ES modules, package.json "exports").
 */
const BUILT_IN_OPTIONS = {
  strict: true,
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  esModuleInterop: true,
  resolveJsonModule: true,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
} as const;

/** Options that concern emitting, dropped: the check emits nothing. */
const EMIT_ONLY = ['composite', 'incremental', 'tsBuildInfoFile', 'declaration', 'declarationMap', 'emitDeclarationOnly', 'sourceMap', 'inlineSourceMap', 'outDir', 'outFile'] as const;

/**
 * Type-checks a playbook with the TypeScript installed in its project (resolved from the playbook's
 * directory, as its own imports are) and the nearest tsconfig.json that includes it, else strict
 * built-in settings. Type errors are bad input (BAD_INPUT, file:line:col each); a project without
 * TypeScript is not checked, and says so.
 */
export function typeCheckPlaybook(path: string): TypeCheckResult {
  const file = resolve(path);
  const ts = projectTypeScript(file);
  if (!ts) return { checked: false, why: `TypeScript is not installed where the playbook is (${dirname(file)}): install it there to have playbooks type-checked (npm install --save-dev typescript)` };
  const { options, source, config } = compilerOptions(ts, file);
  const program = ts.createProgram({ rootNames: [file], options });
  const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  const checkedWith = `TypeScript ${ts.version}, ${source}`;
  if (errors.length === 0) return { checked: true, with: checkedWith, ...(config ? { config } : {}) };
  const shown = errors.slice(0, MAX_ERRORS).map((d) => `  ${where(ts, d)}error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n    ')}`);
  if (errors.length > MAX_ERRORS) shown.push(`  ... and ${errors.length - MAX_ERRORS} more`);
  throw new MeshbookError('BAD_INPUT', `playbook ${file} does not type-check (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${shown.join('\n')}`, {
    hint: `fix the types at those places (checked with ${checkedWith})`,
  });
}

function projectTypeScript(file: string): typeof TypeScript | undefined {
  try {
    return createRequire(file)('typescript') as typeof TypeScript;
  } catch {
    return undefined;
  }
}

function compilerOptions(ts: typeof TypeScript, file: string): { options: TypeScript.CompilerOptions; source: string; config?: string } {
  const config = includingConfig(ts, file);
  const options: TypeScript.CompilerOptions = config
    ? { ...config.options }
    : ts.convertCompilerOptionsFromJson(BUILT_IN_OPTIONS, dirname(file)).options;
  for (const key of EMIT_ONLY) delete options[key];
  options.noEmit = true;
  if (!config) return { options, source: "meshbook's built-in strict settings (no tsconfig.json includes the playbook)" };
  return { options, source: `the settings of ${config.path}`, config: config.path };
}

/** The nearest tsconfig.json above the playbook whose files include it (a solution-style one with `files: []` does not). */
function includingConfig(ts: typeof TypeScript, file: string): { path: string; options: TypeScript.CompilerOptions } | undefined {
  const target = resolve(file);
  let dir = dirname(target);
  for (;;) {
    const path = ts.findConfigFile(dir, ts.sys.fileExists, 'tsconfig.json');
    if (!path) return undefined;
    const parsed = ts.getParsedCommandLineOfConfigFile(path, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    if (parsed?.fileNames.some((name) => resolve(name) === target)) return { path, options: parsed.options };
    const above = dirname(dirname(path));
    if (above === dirname(path)) return undefined;
    dir = above;
  }
}

function where(ts: typeof TypeScript, diagnostic: TypeScript.Diagnostic): string {
  if (!diagnostic.file || diagnostic.start === undefined) return '';
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${resolve(diagnostic.file.fileName)}:${line + 1}:${character + 1}: `;
}
