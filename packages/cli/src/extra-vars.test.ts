import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { parseExtraVars } from './extra-vars.js';

describe('parseExtraVars (-e)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshbook-ev-'));
  writeFileSync(join(dir, 'vars.yaml'), 'replicas: 3\nnested:\n  a: [1, 2]\n');
  writeFileSync(join(dir, 'list.yaml'), '- 1\n- 2\n');

  it('reads key=value pairs as strings, several per argument, quotes keeping spaces', async () => {
    expect(await parseExtraVars(['a=1 b=two', 'c="three words"', 'd='], dir)).toEqual({ a: '1', b: 'two', c: 'three words', d: '' });
  });

  it('keeps = inside values', async () => {
    expect(await parseExtraVars(['opts=x=y'], dir)).toEqual({ opts: 'x=y' });
  });

  it('reads @file.yaml relative to cwd and inline JSON, later values winning', async () => {
    expect(await parseExtraVars(['@vars.yaml', '{"replicas": 5, "flag": true}', 'extra=1'], dir)).toEqual({
      replicas: 5,
      nested: { a: [1, 2] },
      flag: true,
      extra: '1',
    });
  });

  it('rejects what is not a mapping, a missing file, bad JSON and bare words', async () => {
    for (const bad of ['@list.yaml', '@missing.yaml', '{"a":', 'justaword', '1abc=2', "a='open"]) {
      await expect(parseExtraVars([bad], dir), bad).rejects.toSatisfy((e: unknown) => e instanceof MeshbookError && e.code === 'BAD_INPUT');
    }
  });
});
