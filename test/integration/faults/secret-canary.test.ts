import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meshbook } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import { expectExit, expectNoSecretIn, fixture, onHost, resultsOf, runPlaybook, useWorkDir, writeInventory } from './harness.js';

/**
 * Issue 8, case 14: a run at -vvv with --diff, --json and --log-file in which tasks fail with the
 * secret in their stderr and stdout: the secret's text (nor its base64, which the wire carries)
 * appears in no stdout, stderr, JSON event or log line. The host does get it.
 */
const fleet = useFleet({ hosts: 1 });
const workDir = useWorkDir();
const CANARY = `canary-${randomBytes(8).toString('hex')}`;
process.env['FAULTS_CANARY'] = CANARY;

const expectNoSecret = (where: string, text: string) => expectNoSecretIn(where, text, CANARY);

describe('secret canary', () => {
  it('14. -vvv --diff --json --log-file, tasks failing with the secret in stderr: the secret is in no output, only on the host', async () => {
    const logFile = join(workDir(), 'run.log');
    const inventory = await writeInventory(fleet(), workDir());
    const run = await runPlaybook('secret-canary.ts', inventory, ['-vvv', '--diff', '--log-file', logFile]);
    expectExit(run, 2);
    // The tasks really failed with the secret in their output: masked, not missing.
    const stdinFailure = resultsOf(run, 'echo secret stdin and fail')['node1']!;
    expect(stdinFailure).toMatchObject({ status: 'ok', ignored: true });
    expect(stdinFailure.message).toMatch(/from stdin: \*\*\*/);
    const argvFailure = resultsOf(run, 'echo secret argv and fail')['node1']!;
    expect(argvFailure.status).toBe('failed');
    expect(argvFailure.message).toMatch(/from argv: \*\*\*/);
    expect(resultsOf(run, 'secret file')['node1']!.diff).toBeTruthy();

    expectNoSecret('stdout (JSON events)', run.stdout);
    expectNoSecret('JSON events', JSON.stringify(run.events));
    expectNoSecret('stderr', run.stderr + ' ');
    expectNoSecret('log file', await readFile(logFile, 'utf8'));

    // The human output at -vvv, on a second run (which changes nothing and fails the same way).
    const human = await meshbook(['run', fixture('secret-canary.ts'), '-i', inventory, '-vvv', '--diff']);
    expectExit(human, 2);
    expectNoSecret('human output', human.stdout + human.stderr);

    expect(await onHost(fleet(), 'node1', 'cat /root/canary.conf; echo; cat /root/canary.tpl; stat -c %a /root/canary.conf')).toBe(`${CANARY}\ntoken = ${CANARY}\n600\n`);
  });
});
