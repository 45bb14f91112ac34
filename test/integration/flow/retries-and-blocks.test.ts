import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MeshbookEvent } from '@meshbook/engine';
import { meshbook, recapOf, REPO_ROOT } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import { expectExit, expectNoSecretIn, onHost, resultsOf, runPlaybook, startPlaybook, useWorkDir, writeInventory } from '../faults/harness.js';

/**
 * Issue 16's engine features on real hosts: until/retries/delay (a command that succeeds on its
 * 3rd run, a file that appears while the run waits, retries used up) and block/rescue/always (a
 * rescue that cleans up on the host, always, check mode touching nothing, a run stopped by
 * anyErrorsFatal).
 */
const fleet = useFleet({ hosts: 2 });
const workDir = useWorkDir();
const RETRIES = join(REPO_ROOT, 'test/integration/flow/fixtures/retries.ts');
const BLOCKS = join(REPO_ROOT, 'test/integration/flow/fixtures/blocks.ts');
const BLOCKS_FATAL = join(REPO_ROOT, 'test/integration/flow/fixtures/blocks-fatal.ts');

const inventory = (options: { hosts?: string[] } = {}) => writeInventory(fleet(), workDir(), options);

type Retry = Extract<MeshbookEvent, { type: 'host.retry' }>;
const retriesOf = (events: readonly MeshbookEvent[], task: string, host: string) =>
  events.filter((e): e is Retry => e.type === 'host.retry' && e.task === task && e.host === host);
/** Whether each path exists on the host. */
async function present(host: string, ...paths: string[]): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const path of paths) out[path] = (await onHost(fleet(), host, `test -e ${path} && echo yes || echo no`)).trim() === 'yes';
  return out;
}

describe('until / retries / delay', () => {
  it('a command that succeeds on its 3rd run: two attempts retried, settled on the third, on every host', async () => {
    const run = await runPlaybook(RETRIES, await inventory(), ['-t', 'counter']);
    expectExit(run, 0);
    for (const host of ['node1', 'node2']) {
      expect(retriesOf(run.events, 'third time lucky', host).map((e) => [e.attempt.number, e.attempt.of, e.status, e.error?.code])).toEqual([
        [1, 5, 'failed', 'COMMAND_FAILED'],
        [2, 5, 'failed', 'COMMAND_FAILED'],
      ]);
      expect(resultsOf(run, 'third time lucky')[host]).toMatchObject({ status: 'changed', attempt: { number: 3, of: 5 } });
      expect((await onHost(fleet(), host, 'cat /root/flow-counter/tries')).trim()).toBe('3');
    }
    expect(recapOf(run)['node1']).toMatchObject({ changed: 1, failed: 0 });
  });

  it('check mode: the counting command would change the host, so it is planned once, not retried, and nothing runs', async () => {
    await onHost(fleet(), 'node2', 'rm -rf /root/flow-counter');
    const run = await runPlaybook(RETRIES, await inventory({ hosts: ['node2'] }), ['-t', 'counter', '--check']);
    expectExit(run, 0);
    expect(retriesOf(run.events, 'third time lucky', 'node2')).toEqual([]);
    expect(resultsOf(run, 'third time lucky')['node2']).toMatchObject({ status: 'changed', attempt: { number: 1, of: 5 } });
    expect(await present('node2', '/root/flow-counter')).toEqual({ '/root/flow-counter': false });
  });

  it('a file that appears while the run waits: each attempt reads the host again (no cached answer), the 3rd sees it', async () => {
    await onHost(fleet(), 'node1', 'rm -rf /root/flow-appears');
    const live = startPlaybook(RETRIES, await inventory({ hosts: ['node1'] }), ['-t', 'appears']);
    await live.waitFor((e) => e.type === 'host.retry' && e.attempt.number === 2, 120_000);
    // The run now waits 3 s before its third attempt.
    await onHost(fleet(), 'node1', 'mkdir -p /root/flow-appears && echo up > /root/flow-appears/ready');
    const run = await live.done;
    expectExit(run, 0);
    expect(retriesOf(run.events, 'wait for the ready file', 'node1').map((e) => e.attempt.number)).toEqual([1, 2]);
    expect(resultsOf(run, 'wait for the ready file')['node1']).toMatchObject({ status: 'ok', attempt: { number: 3, of: 11 } });
  });

  it('retries used up: the failure says how many attempts and the last error; the secret on stderr is masked in every attempt', async () => {
    const canary = `flow-canary-${process.pid}-a7c1`;
    process.env['FLOW_CANARY'] = canary;
    const node1 = await inventory({ hosts: ['node1'] });
    const run = await runPlaybook(RETRIES, node1, ['-t', 'exhausts', '-vvv']);
    expectExit(run, 2);
    const attempts = retriesOf(run.events, 'wait for what never comes', 'node1');
    expect(attempts.map((e) => e.attempt)).toEqual([
      { number: 1, of: 3 },
      { number: 2, of: 3 },
    ]);
    const final = resultsOf(run, 'wait for what never comes')['node1']!;
    expect(final).toMatchObject({ status: 'failed', attempt: { number: 3, of: 3 } });
    expect(final.error?.message).toBe('gave up after 3 attempts: command failed with exit code 1');
    expect(final.message).toContain('token *** rejected');
    expect(recapOf(run)['node1']).toMatchObject({ failed: 1 });
    expectNoSecretIn('the --json events', run.stdout, canary);

    // The same run for a person: each attempt on its own line, the secret masked there too.
    const human = await meshbook(['run', RETRIES, '-i', node1, '-t', 'exhausts', '-vvv']);
    expectExit(human, 2);
    expect(human.stdout).toMatch(/FAILED - RETRYING: \[node1\] \(attempt 1 of 3, 2 retries left, next in 1\.0s\) => command failed with exit code 1/);
    expect(human.stdout).toMatch(/FAILED - RETRYING: \[node1\] \(attempt 2 of 3, 1 retry left, next in 1\.0s\)/);
    expect(human.stdout).toMatch(/failed: \[node1\] => \[COMMAND_FAILED\] gave up after 3 attempts: command failed with exit code 1/);
    expectNoSecretIn('the human output', human.stdout + human.stderr, canary);
  });
});

describe('block / rescue / always', () => {
  it('the rescue cleans up on the host where the block failed, always runs on both, the rescued host goes on and is not failed', async () => {
    const dir = '/root/flow-blocks';
    const run = await runPlaybook(BLOCKS, await inventory(), ['-e', 'fail_on=node1', '-e', `dir=${dir}`]);
    expectExit(run, 0);
    const files = [`${dir}/half-done`, `${dir}/rolled-back`, `${dir}/always`, `${dir}/after`];
    expect(await present('node1', ...files)).toEqual({ [files[0]!]: false, [files[1]!]: true, [files[2]!]: true, [files[3]!]: true });
    expect(await present('node2', ...files)).toEqual({ [files[0]!]: true, [files[1]!]: false, [files[2]!]: true, [files[3]!]: true });
    expect((await onHost(fleet(), 'node1', `cat ${dir}/always`)).trim()).toBe('always ran on node1');
    expect(resultsOf(run, 'finish the install')['node1']).toMatchObject({ status: 'failed', rescue: true });
    expect(Object.keys(resultsOf(run, 'remove the half-done install'))).toEqual(['node1']);
    expect(recapOf(run)['node1']).toMatchObject({ failed: 0, rescued: 1 });
    expect(recapOf(run)['node2']).toMatchObject({ failed: 0, rescued: 0 });

    // Again: nothing left to do on node2; node1 fails again and its rescue cleans up again.
    const again = await runPlaybook(BLOCKS, await inventory(), ['-e', 'fail_on=node1', '-e', `dir=${dir}`]);
    expectExit(again, 0);
    expect(recapOf(again)['node2']).toMatchObject({ changed: 0 });
  });

  it('check mode on fresh hosts: the block, its rescue and always are planned, nothing is touched; the block\'s when skips all of it', async () => {
    const dir = '/root/flow-blocks-check';
    const run = await runPlaybook(BLOCKS, await inventory(), ['--check', '-e', 'fail_on=node1', '-e', 'skip_on=node2', '-e', `dir=${dir}`]);
    expectExit(run, 0);
    expect(resultsOf(run, 'say it was rolled back')['node1']).toMatchObject({ status: 'changed' });
    expect(resultsOf(run, 'always report')['node1']).toMatchObject({ status: 'changed' });
    // node2 is outside the block's when: every task of it skipped there, always included.
    for (const name of ['make the directory', 'start the install', 'finish the install', 'always report']) expect(resultsOf(run, name)['node2']).toMatchObject({ status: 'skipped' });
    expect(resultsOf(run, 'after the block')['node2']).toMatchObject({ status: 'changed' });
    expect(recapOf(run)['node1']).toMatchObject({ failed: 0, rescued: 1 });
    for (const host of ['node1', 'node2']) expect(await present(host, dir)).toEqual({ [dir]: false });
  });

  it('anyErrorsFatal: the host whose block failed runs always, the host caught mid-block stops there; a block\'s ignoreErrors reaches its task; block events in --json and on the terminal', async () => {
    const dir = '/root/flow-blocks-fatal';
    for (const host of ['node1', 'node2']) await onHost(fleet(), host, `rm -rf ${dir}`);
    const run = await runPlaybook(BLOCKS_FATAL, await inventory(), ['-e', 'fail_on=node1', '-e', `dir=${dir}`]);
    expectExit(run, 2);
    for (const host of ['node1', 'node2']) expect(resultsOf(run, 'tolerated failure')[host]).toMatchObject({ status: 'ok', ignored: true });
    const files = ['started', 'finished', 'always', 'after'].map((name) => `${dir}/${name}`);
    const expected = (...present: boolean[]) => Object.fromEntries(files.map((file, index) => [file, present[index]]));
    expect(await present('node1', ...files)).toEqual(expected(true, false, true, false));
    expect(await present('node2', ...files)).toEqual(expected(true, false, false, false));
    expect((await onHost(fleet(), 'node1', `cat ${dir}/always`)).trim()).toBe('always on node1');
    const parts = run.events.flatMap((e) => (e.type.startsWith('block.') && 'block' in e ? [[e.type, e.block, e.hosts]] : []));
    expect(parts).toEqual([
      ['block.start', 'tolerant', ['node1', 'node2']],
      ['block.start', 'guarded', ['node1', 'node2']],
      ['block.always', 'guarded', ['node1']],
    ]);
    expect(recapOf(run)['node1']).toMatchObject({ failed: 1 });
    expect(recapOf(run)['node2']).toMatchObject({ failed: 0 });

    // The same for a person: the block's parts named where they begin.
    const human = await meshbook(['run', BLOCKS_FATAL, '-i', await inventory(), '-e', 'fail_on=node1', '-e', `dir=${dir}`]);
    expectExit(human, 2);
    expect(human.stdout).toMatch(/\nBLOCK \[guarded\]\n[\s\S]*\nALWAYS \[guarded\]\n\nTASK \[always report\]/);
    expect(human.stdout).toContain('...ignoring');
  });

  it('--list-tasks shows the nesting, without connecting', async () => {
    const listed = await meshbook(['run', BLOCKS, '-i', await inventory(), '--list-tasks']);
    expectExit(listed, 0);
    expect(listed.stdout).toContain(
      [
        '      block: install',
        '        make the directory\tTAGS: []',
        '        start the install\tTAGS: []',
        '        finish the install\tTAGS: []',
        '      rescue:',
        '        remove the half-done install\tTAGS: []',
        '        say it was rolled back\tTAGS: []',
        '      always:',
        '        always report\tTAGS: []',
        '      after the block\tTAGS: []',
      ].join('\n'),
    );
  });
});
