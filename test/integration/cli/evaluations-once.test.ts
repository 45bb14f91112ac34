import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meshbook, recapOf } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import { expectExit, onHost, useWorkDir, writeInventory } from '../faults/harness.js';

/**
 * `meshbook run` evaluates a task's per-host params once per host: its validation's evaluation is
 * the run's (the engine's own runPlaybook did so; the CLI validates before listings and passed
 * nothing on). A --check run evaluates them again, its host contexts being in check mode. The end
 * state and the reports are those of any run: applied, then no change on a re-run.
 */
const fleet = useFleet({ hosts: 2 });
const workDir = useWorkDir();
const PLAYBOOK = 'test/integration/cli/fixtures/evaluations.ts';
const state = (host: string) => onHost(fleet(), host, 'stat -c "%a %n" /etc/mb-evaluations /etc/mb-evaluations/host.conf 2>&1; cat /etc/mb-evaluations/host.conf 2>&1');
const evaluated = async (log: string) => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).sort();

describe('meshbook run: per-host params evaluated once per host', () => {
  it('check mode on fresh hosts reports the change and touches nothing; a run applies it; a re-run changes nothing', async () => {
    const inventory = await writeInventory(fleet(), workDir());
    const before = await state('node1');
    expect(before).toMatch(/No such file/);

    const checkLog = join(workDir(), 'check.log');
    const check = await meshbook(['run', PLAYBOOK, '-i', inventory, '--json', '--check', '-e', `evaluations_log=${checkLog}`]);
    expectExit(check, 0);
    expect(recapOf(check)['node1']).toMatchObject({ changed: 2, failed: 0 });
    expect(await state('node1')).toBe(before);
    expect(await evaluated(checkLog)).toEqual(['node1', 'node1', 'node2', 'node2']);

    const runLog = join(workDir(), 'run.log');
    const run = await meshbook(['run', PLAYBOOK, '-i', inventory, '--json', '-e', `evaluations_log=${runLog}`]);
    expectExit(run, 0);
    expect(recapOf(run)).toMatchObject({ node1: { changed: 2, failed: 0 }, node2: { changed: 2, failed: 0 } });
    expect(await evaluated(runLog)).toEqual(['node1', 'node2']);
    expect(await state('node1')).toBe('750 /etc/mb-evaluations\n640 /etc/mb-evaluations/host.conf\nname = node1\n');
    expect(await state('node2')).toBe('750 /etc/mb-evaluations\n640 /etc/mb-evaluations/host.conf\nname = node2\n');

    const againLog = join(workDir(), 'again.log');
    const again = await meshbook(['run', PLAYBOOK, '-i', inventory, '--json', '-e', `evaluations_log=${againLog}`]);
    expectExit(again, 0);
    expect(recapOf(again)).toMatchObject({ node1: { changed: 0, ok: 2 }, node2: { changed: 0, ok: 2 } });
    expect(await evaluated(againLog)).toEqual(['node1', 'node2']);
  });

  it('bad params are refused before anything connects, each field named as zod\'s compiled parsers named it', async () => {
    const inventory = await writeInventory(fleet(), workDir());
    const run = await meshbook(['exec', 'all', '-i', inventory, '-m', 'file', '-a', 'path=relative state=directory mode=0999']);
    expectExit(run, 5);
    const task = '"file path=relative state=directory mode=0999"';
    expect(run.stdout + run.stderr).toContain(
      [
        'playbook "ad-hoc" has 2 problems:',
        `  - plays[0] ${task} tasks[0] ${task}: path: an absolute path (starting with /)`,
        `  - plays[0] ${task} tasks[0] ${task}: mode: an octal mode such as '0644', or a symbolic one such as 'u=rw,g=r,o='`,
        '  fix: fix the listed problems; nothing was run on any host',
      ].join('\n'),
    );
  });
});
