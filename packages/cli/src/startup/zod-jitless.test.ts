import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const setting = fileURLToPath(new URL('./zod-jitless.ts', import.meta.url));

/**
 * Parses a set of inputs in a node of its own (zod's setting is per process), with or without the
 * CLI's setting made before zod loads, and reports the results, the issues and whether zod
 * compiled a parser (`new Function`).
 */
function parseAll(interpreted: boolean): { compiled: number; results: unknown[] } {
  const script = `
    let compiled = 0;
    const RealFunction = globalThis.Function;
    globalThis.Function = new Proxy(RealFunction, { construct(target, args) { compiled++; return Reflect.construct(target, args); } });
    ${interpreted ? `(await import(${JSON.stringify(setting)})).useInterpretedZodParsers();` : ''}
    const { z } = await import('zod');
    const schema = z.object({
      name: z.string().min(1),
      mode: z.string().regex(/^0[0-7]{3}$/).optional(),
      state: z.enum(['present', 'absent']).default('present'),
      lines: z.array(z.object({ line: z.string(), after: z.string().nullish() })).optional(),
      vars: z.record(z.string(), z.unknown()).optional(),
      count: z.number().int().nonnegative().optional().transform((n) => n ?? 1),
    }).strict();
    const inputs = [
      { name: 'a' },
      { name: 'a', mode: '0644', state: 'absent', lines: [{ line: 'x' }, { line: 'y', after: null }], vars: { k: 1 }, count: 3 },
      { name: '', mode: '644', state: 'gone', lines: [{ line: 1 }], count: -1, extra: true },
      { mode: undefined, lines: undefined },
      'not an object',
      { name: 'a', lines: [{}] },
    ];
    const results = inputs.map((input) => {
      const r = schema.safeParse(input);
      return r.success ? { data: r.data, keys: Object.keys(r.data) } : { issues: r.error.issues };
    });
    console.log(JSON.stringify({ compiled, results, jitless: z.config().jitless === true }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    encoding: 'utf8',
  });
  const parsed = JSON.parse(out.trim()) as { compiled: number; results: unknown[]; jitless: boolean };
  expect(parsed.jitless).toBe(interpreted);
  return parsed;
}

describe('useInterpretedZodParsers', { timeout: 60_000 }, () => {
  it('zod compiles no parser, and every value and issue is what the compiled parsers give', () => {
    const compiled = parseAll(false);
    const interpreted = parseAll(true);
    // The default compiles one parser per object schema (the check that this test can fail).
    expect(compiled.compiled).toBeGreaterThan(0);
    expect(interpreted.compiled).toBe(0);
    expect(interpreted.results).toEqual(compiled.results);
    expect(JSON.stringify(interpreted.results)).toBe(JSON.stringify(compiled.results));
  });
});
