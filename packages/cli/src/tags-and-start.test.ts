import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.js';
import { testIo } from './__fixtures__/test-io.js';
import { main } from './main.js';

/** The tiny playbook: play 1 on web (gate [gate], write marker [marker]), play 2 on db (db gate [db]). */
const fixtures = fileURLToPath(new URL('./__fixtures__/tiny/', import.meta.url));
const base = ['run', 'playbook.ts', '-i', 'hosts.yaml'];

async function cli(argv: string[]) {
  const io = testIo(fixtures);
  const code = await main(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

// The first test compiles and type-checks the playbook: slow on a busy machine.
describe('--list-tags, unknown tags, --start-at-task', { timeout: 90_000 }, () => {
  it('--list-tags prints each play\'s task tags', async () => {
    const { code, stdout } = await cli([...base, '--list-tags', '-e', 'out_dir=/x']);
    expect(code).toBe(EXIT.OK);
    expect(stdout).toContain('  play #1 (web): mark web hosts\tTAGS: []\n      TASK TAGS: [gate, marker]\n');
    expect(stdout).toContain('  play #2 (db): check db\tTAGS: []\n      TASK TAGS: [db]\n');
  });

  it('an unknown tag is a warning naming the known ones', async () => {
    const { code, stderr } = await cli([...base, '--list-tasks', '--tags', 'markr', '-e', 'out_dir=/x']);
    expect(code).toBe(EXIT.OK);
    expect(stderr).toContain('[WARNING]: --tags markr: no task has the tag "markr" (the playbook\'s tags: db, gate, marker)');
  });

  it('--start-at-task leaves out the tasks before it', async () => {
    const out = await mkdtemp(join(tmpdir(), 'meshbook-start-'));
    const { code } = await cli([...base, '--start-at-task', 'write marker', '-e', `out_dir=${out}`]);
    expect(code).toBe(EXIT.OK);
    // Only play 1's marker task ran (the gate before it did not; the db play came after it).
    expect((await readdir(out)).filter((f) => f.endsWith('.txt')).sort()).toEqual(['web1.txt', 'web2.txt']);
    const listed = await cli([...base, '--list-tasks', '--start-at-task', 'db gate', '-e', 'out_dir=/x']);
    expect(listed.stdout).not.toContain('write marker');
    expect(listed.stdout).toContain('db gate');
  });

  it('--start-at-task with no such task is BAD_INPUT', async () => {
    const { code, stderr } = await cli([...base, '--start-at-task', 'marker', '-e', 'out_dir=/x']);
    expect(code).toBe(EXIT.BAD_INPUT);
    expect(stderr).toContain('did you mean "write marker"?');
  });
});
