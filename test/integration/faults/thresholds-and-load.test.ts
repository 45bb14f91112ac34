import { describe, expect, it } from 'vitest';
import type { CliRun } from '../support/cli.js';
import { recapOf } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import { expectExit, onHost, resultsOf, runPlaybook, useWorkDir, writeInventory } from './harness.js';

/**
 * Issue 8, cases 15 and 16: any_errors_fatal and max_fail_percentage stop exactly where they
 * should (per task, per serial batch, and no later play), and fifty commands at once against one
 * host all succeed.
 */
const fleet = useFleet({ hosts: 4 });
const workDir = useWorkDir();
const HOSTS = ['node1', 'node2', 'node3', 'node4'];

/** Which hosts have the marker files of a tag. */
async function written(tag: string, suffix: string): Promise<string[]> {
  const found: string[] = [];
  for (const host of HOSTS) if ((await onHost(fleet(), host, `ls /root/${tag}.${suffix} 2>/dev/null`)).trim()) found.push(host);
  return found;
}

const ranOn = (run: CliRun, task: string) => Object.keys(resultsOf(run, task)).sort();
const taskStarts = (run: CliRun) => run.events.flatMap((e) => (e.type === 'task.start' ? [e.task] : []));

describe('failure thresholds', () => {
  it('15. any_errors_fatal: one failure stops the play on every host after that task, and no later play runs', async () => {
    const run = await runPlaybook('thresholds.ts', await writeInventory(fleet(), workDir()), ['-t', 'fatal', '-e', 'fail_on=node2', '-e', 'tag=fatal']);
    expectExit(run, 2);
    expect(taskStarts(run)).toEqual(['fatal: may fail']);
    expect(ranOn(run, 'fatal: may fail')).toEqual(HOSTS);
    expect(run.events.find((e) => e.type === 'recap')).toMatchObject({ interrupted: 'any_errors_fatal: a host failed in play "fatal"' });
    expect(await written('fatal', 'after')).toEqual([]);
    expect(await written('fatal', 'next-play')).toEqual([]);
  });

  it('15. max_fail_percentage 25: one host of four failing (25%) does not stop the run', async () => {
    const run = await runPlaybook('thresholds.ts', await writeInventory(fleet(), workDir()), ['-t', 'percent', '-e', 'fail_on=node2', '-e', 'tag=pct1']);
    expectExit(run, 2);
    expect(ranOn(run, 'percent: after')).toEqual(['node1', 'node3', 'node4']);
    expect(await written('pct1', 'after')).toEqual(['node1', 'node3', 'node4']);
    expect(await written('pct1', 'next-play')).toEqual(['node1', 'node3', 'node4']);
    expect(recapOf(run)['node2']).toMatchObject({ failed: 1 });
  });

  it('15. max_fail_percentage 25: two hosts of four failing (50%) stop right after that task', async () => {
    const run = await runPlaybook('thresholds.ts', await writeInventory(fleet(), workDir()), ['-t', 'percent', '-e', 'fail_on=node2,node4', '-e', 'tag=pct2']);
    expectExit(run, 2);
    expect(taskStarts(run)).toEqual(['percent: may fail']);
    expect(run.events.find((e) => e.type === 'recap')).toMatchObject({ interrupted: 'max_fail_percentage: 2 of 4 hosts failed in play "percent" (more than 25%)' });
    expect(await written('pct2', 'after')).toEqual([]);
    expect(await written('pct2', 'next-play')).toEqual([]);
  });

  it('15. max_fail_percentage per serial batch: the first batch completes, the failing batch stops, nothing after it runs', async () => {
    const run = await runPlaybook('thresholds.ts', await writeInventory(fleet(), workDir()), ['-t', 'serial', '-e', 'fail_on=node3', '-e', 'tag=serial']);
    expectExit(run, 2);
    expect(await written('serial', 'after')).toEqual(['node1', 'node2']);
    expect(ranOn(run, 'serial percent: may fail')).toEqual(HOSTS);
    expect(await written('serial', 'next-play')).toEqual([]);
    expect(recapOf(run)['node4']).toMatchObject({ ok: 0, changed: 1, failed: 0 });
  });
});

describe('load', () => {
  it('16. fifty commands at once against one host: all succeed', async () => {
    await onHost(fleet(), 'node1', 'rm -f /root/fifty.log');
    const run = await runPlaybook('fifty.ts', await writeInventory(fleet(), workDir(), { hosts: ['node1'] }));
    expectExit(run, 0);
    expect(resultsOf(run, 'fifty at once')['node1']!.status).toBe('changed');
    const lines = (await onHost(fleet(), 'node1', 'sort -n /root/fifty.log')).trim().split('\n');
    expect(lines).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });
});
