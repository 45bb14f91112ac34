import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory } from './load.js';
import { renderInventoryList } from './render.js';

/*
 * meshbook's `inventory --list` against `ansible-inventory --list` for the same files. The expected
 * output was produced by ansible-core's ansible-inventory and is kept beside the fixtures; where
 * ansible-inventory is installed, the test runs it too, so the kept output cannot go stale.
 */
const fixtures = fileURLToPath(new URL('./__fixtures__/ansible-ini/', import.meta.url));

const CASES: Record<string, string[]> = {
  // INI: ungrouped hosts, host:port, ranges with letters and padding, :children, :vars, all:vars,
  // Python-literal typed values, a host defined twice, group_vars/ and host_vars/ beside the file.
  'ranges-and-types': ['ranges-and-types/hosts'],
  // A directory holding an INI `hosts` file, quoting and escapes, strided ranges, group_vars/all.
  directory: ['directory'],
  // Two -i, INI then YAML, each with its own group_vars/: a later source's vars win.
  merged: ['merged/first/hosts.ini', 'merged/second/hosts.yaml'],
};

const ansibleInventory = (() => {
  try {
    execFileSync('ansible-inventory', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('inventory --list matches ansible-inventory --list', () => {
  for (const [name, sources] of Object.entries(CASES)) {
    const expected: unknown = JSON.parse(readFileSync(`${fixtures}expected/${name}.json`, 'utf8'));

    it(`${name}: meshbook's listing is Ansible's`, async () => {
      const inventory = await loadInventory(sources.map((source) => `${fixtures}${source}`));
      expect(JSON.parse(JSON.stringify(renderInventoryList(inventory)))).toEqual(expected);
    });

    it.runIf(ansibleInventory)(`${name}: the kept output is what ansible-inventory prints today`, () => {
      const output = execFileSync('ansible-inventory', [...sources.flatMap((source) => ['-i', source]), '--list'], {
        cwd: fixtures,
        encoding: 'utf8',
        env: { ...process.env, ANSIBLE_LOCAL_TEMP: '/tmp' },
      });
      expect(JSON.parse(output)).toEqual(expected);
    });
  }
});
