import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./__fixtures__/documented-params.ts', import.meta.url));

/** The fixture's `// expect:` comments, by the name of the constant on the next line. */
function expectations(text: string): Map<string, string> {
  const lines = text.split('\n');
  const expected = new Map<string, string>();
  lines.forEach((line, i) => {
    const comment = /^\/\/ expect: (.*)$/.exec(line);
    const name = /^export const (\w+)/.exec(lines[i + 1] ?? '');
    if (comment && name) expected.set(name[1]!, comment[1]!.startsWith('no error') ? '' : comment[1]!);
  });
  return expected;
}

describe('DocumentedParams', () => {
  it('fails tsc when the interface misses a schema field, has an extra one, or types one (or the params themselves) differently', () => {
    const program = ts.createProgram([FIXTURE], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: [],
    });
    const source = program.getSourceFile(FIXTURE)!;
    const errors = new Map<string, string>();
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      expect(diagnostic.file?.fileName, ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')).toBe(FIXTURE);
      const { line } = source.getLineAndCharacterOfPosition(diagnostic.start!);
      const name = /^export const (\w+)/.exec(source.text.split('\n')[line]!)?.[1] ?? `line ${line + 1}`;
      errors.set(name, ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    }

    const expected = expectations(source.text);
    expect([...expected.keys()]).toEqual(['matching', 'lacksNote', 'lacksNoteOneWay', 'extraColour', 'extraColourOneWay', 'countAsText', 'nameOptional', 'optionalBoth', 'optionalInSchemaOnly']);
    for (const [name, message] of expected) {
      if (message === '') expect(errors.get(name), name).toBeUndefined();
      else expect(errors.get(name) ?? 'no error', name).toContain(message);
    }
    expect([...errors.keys()].sort()).toEqual([...expected].filter(([, message]) => message !== '').map(([name]) => name).sort());
  }, 120_000);
});
