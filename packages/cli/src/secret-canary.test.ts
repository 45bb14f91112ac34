import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.js';
import { testIo } from './__fixtures__/test-io.js';
import { main } from './main.js';

// A fixture's first load after an edit (or in a fresh clone) type-checks it: seconds on a busy machine.
const FIRST_LOAD = { timeout: 60_000 };

const CANARY = 'canary-cli-9f8e7d6c';
const fixtures = fileURLToPath(new URL('./__fixtures__/canary/', import.meta.url));

describe('secret canary through the CLI', FIRST_LOAD, () => {
  it.each([
    ['terminal', ['-vvv', '--diff']],
    ['check mode', ['--check', '-vvv']],
    ['--json', ['--json']],
  ])('%s output and the log file never contain the become password', async (_name, flags) => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'meshbook-canary-')), 'run.log');
    const io = testIo(fixtures);
    const code = await main(['run', 'playbook.ts', '-i', 'hosts.yaml', '--log-file', logFile, ...flags], io);
    expect(code).toBe(EXIT.HOST_FAILED);
    const everything = io.stdout.text + io.stderr.text + readFileSync(logFile, 'utf8');
    expect(everything).toContain('wrong password ***');
    expect(everything).not.toContain(CANARY);
  });

  it('inventory --list masks it too', async () => {
    const io = testIo(fixtures);
    expect(await main(['inventory', '-i', 'hosts.yaml', '--list'], io)).toBe(EXIT.OK);
    expect(io.stdout.text).toContain('box1');
    expect(io.stdout.text + io.stderr.text).not.toContain(CANARY);
  });
});
