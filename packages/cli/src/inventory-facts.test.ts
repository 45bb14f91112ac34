import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.js';
import { testIo } from './__fixtures__/test-io.js';
import { main } from './main.js';

const fixtures = fileURLToPath(new URL('./__fixtures__/tiny/', import.meta.url));

async function cli(...argv: string[]) {
  const io = testIo(fixtures);
  const code = await main(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

describe('meshbook inventory', () => {
  it('--list prints the ansible-inventory JSON', async () => {
    const { code, stdout } = await cli('inventory', '-i', 'hosts.yaml', '--list');
    expect(code).toBe(EXIT.OK);
    const listing = JSON.parse(stdout);
    expect(listing.web.hosts).toEqual(['web1', 'web2']);
    expect(Object.keys(listing._meta.hostvars)).toEqual(expect.arrayContaining(['web1', 'web2', 'db1']));
  });

  it('--graph prints the group tree', async () => {
    const { code, stdout } = await cli('inventory', '-i', 'hosts.yaml', '--graph');
    expect(code).toBe(EXIT.OK);
    expect(stdout).toContain('@all:\n');
    expect(stdout).toContain('|--@web:\n  |  |--web1\n  |  |--web2\n');
  });

  it('a missing inventory is BAD_INPUT', async () => {
    expect((await cli('inventory', '-i', 'nope.yaml', '--graph')).code).toBe(EXIT.BAD_INPUT);
  });
});

describe('meshbook facts', () => {
  it('prints basic facts per host as JSON over the local connection', async () => {
    const { code, stdout } = await cli('facts', '-i', 'hosts.yaml', '--limit', 'web1,db1');
    expect(code).toBe(EXIT.OK);
    const facts = JSON.parse(stdout);
    expect(Object.keys(facts)).toEqual(['web1', 'db1']);
    expect(facts.web1).toMatchObject({ hostname: expect.any(String), kernel: expect.any(String), arch: expect.any(String), cpus: expect.any(Number) });
  });

  it('a bad pattern is BAD_INPUT', async () => {
    expect((await cli('facts', '-i', 'hosts.yaml', '--limit', 'nosuchhost')).code).toBe(EXIT.BAD_INPUT);
  });
});
