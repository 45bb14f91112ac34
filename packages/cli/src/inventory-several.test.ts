import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.js';
import { testIo } from './__fixtures__/test-io.js';
import { main } from './main.js';

/** The engine's INI fixtures, with the output ansible-inventory gives for them. */
const fixtures = fileURLToPath(new URL('../../engine/src/inventory/__fixtures__/ansible-ini/', import.meta.url));

describe('meshbook inventory with INI files and several -i', () => {
  it('merges -i INI then -i YAML as ansible-inventory does', async () => {
    const io = testIo(fixtures);
    const code = await main(['inventory', '-i', 'merged/first/hosts.ini', '-i', 'merged/second/hosts.yaml', '--list'], io);
    expect(io.stderr.text).toBe('');
    expect(code).toBe(EXIT.OK);
    expect(JSON.parse(io.stdout.text)).toEqual(JSON.parse(readFileSync(`${fixtures}expected/merged.json`, 'utf8')));
  });
});
