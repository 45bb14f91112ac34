import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyModule } from '@meshbook/engine';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as index from './index.js';

const SRC = dirname(fileURLToPath(import.meta.url));
const INDEX = join(SRC, 'index.ts');

function isModule(value: unknown): value is AnyModule {
  return typeof value === 'object' && value !== null && 'run' in value && 'parse' in value && 'definition' in value;
}

/** Every module the index exports (its export name), found by what the value is. */
const moduleNames = Object.entries(index)
  .filter(([, value]) => isModule(value))
  .map(([name]) => name);

/**
 * The index's exports as tsc sees them: name → the file declaring it and whether it is a type.
 * Only this package's sources are read (everything else is an empty file): the exports follow from
 * the export statements alone, so no type is checked and the whole thing stays cheap.
 */
function indexExports(): Map<string, { file: string; isType: boolean }> {
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, noLib: true, types: [] };
  const host = ts.createCompilerHost(options);
  const { getSourceFile } = host;
  host.getSourceFile = (name, ...rest) => (name.startsWith(`${SRC}/`) ? getSourceFile.call(host, name, ...rest) : ts.createSourceFile(name, 'export {};', ts.ScriptTarget.ES2022));
  const program = ts.createProgram([INDEX], options, host);
  const checker = program.getTypeChecker();
  const exports = new Map<string, { file: string; isType: boolean }>();
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const file = target.declarations?.[0]?.getSourceFile().fileName ?? '';
    exports.set(symbol.name, { file: relative(SRC, file), isType: (target.flags & ts.SymbolFlags.Type) !== 0 });
  }
  return exports;
}

describe("the index's module exports", () => {
  it('exports every module with its input type, `<Module>Input`, declared beside the module', () => {
    expect(moduleNames.length).toBeGreaterThan(40);
    const exports = indexExports();
    const problems = moduleNames.flatMap((name) => {
      const input = `${name[0]!.toUpperCase()}${name.slice(1)}Input`;
      const module = exports.get(name)!;
      const found = exports.get(input);
      if (!found?.isType) return [`${name} (${module.file}): the index does not export the type ${input}`];
      // Where the module is declared, its params schema is typed with it (DocumentedParams), so
      // tsc holds the interface to what the module's run() takes.
      if (found.file !== module.file) return [`${name} (${module.file}): ${input} comes from ${found.file}, not from the module's file`];
      return [];
    });
    expect(problems).toEqual([]);
  }, 60_000);
});
