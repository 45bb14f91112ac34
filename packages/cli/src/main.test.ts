import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.js';
import { testIo } from './__fixtures__/test-io.js';
import { main } from './main.js';

async function cli(...argv: string[]) {
  const io = testIo(tmpdir());
  const code = await main(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

describe('meshbook CLI arguments', () => {
  it('prints help with the commands and exit codes, exit 0', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(EXIT.OK);
    expect(stdout).toMatch(/run \[options\] <playbook>/);
    expect(stdout).toContain('inventory');
    expect(stdout).toContain('facts');
    expect(stdout).toContain('Exit codes:');
  });

  it('prints help for each command', async () => {
    const run = await cli('run', '--help');
    expect(run.code).toBe(EXIT.OK);
    for (const flag of ['--check', '--diff', '--limit', '--tags', '--skip-tags', '--forks', '--extra-vars', '--json', '--log-file', '--verbose', '--syntax-check', '--list-hosts', '--list-tasks']) {
      expect(run.stdout).toContain(flag);
    }
    expect((await cli('inventory', '--help')).stdout).toContain('--graph');
    expect((await cli('facts', '--help')).stdout).toContain('--limit');
  });

  it('prints the version', async () => {
    const { code, stdout } = await cli('--version');
    expect(code).toBe(EXIT.OK);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects an unknown option with BAD_INPUT and a clear message', async () => {
    const { code, stderr } = await cli('run', 'site.ts', '-i', 'inv', '--bogus');
    expect(code).toBe(EXIT.BAD_INPUT);
    expect(stderr).toContain("unknown option '--bogus'");
    expect(stderr).toContain('--help');
  });

  it('rejects an unknown command, a missing inventory and a bad --forks with BAD_INPUT', async () => {
    expect((await cli('deploy')).code).toBe(EXIT.BAD_INPUT);
    const missing = await cli('run', 'site.ts');
    expect(missing.code).toBe(EXIT.BAD_INPUT);
    expect(missing.stderr).toContain("required option '-i, --inventory <path>' not specified");
    const forks = await cli('run', 'site.ts', '-i', 'inv', '--forks', '0');
    expect(forks.code).toBe(EXIT.BAD_INPUT);
    expect(forks.stderr).toContain('expected a whole number of at least 1');
  });

  it('requires exactly one of --list or --graph for inventory', async () => {
    const { code, stderr } = await cli('inventory', '-i', 'inv');
    expect(code).toBe(EXIT.BAD_INPUT);
    expect(stderr).toContain('give exactly one of --list or --graph');
  });

  it('rejects a malformed -e before touching anything', async () => {
    const { code, stderr } = await cli('run', 'site.ts', '-i', 'inv', '-e', 'not a pair');
    expect(code).toBe(EXIT.BAD_INPUT);
    expect(stderr).toContain('expected key=value, @file.yaml or a JSON object');
  });
});
