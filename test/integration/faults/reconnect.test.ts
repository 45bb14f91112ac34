import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFleet } from '../support/fleet.js';
import { meshbook } from '../support/cli.js';
import { acceptedLogins, expectExit, fixture, onHost, resultsOf, sleep, startPlaybook, useWorkDir, writeInventory } from './harness.js';

/**
 * Issue 19 (from the earlier notes): a connection that drops between tasks is opened again, once
 * and visibly (a host.reconnect event; a [RECONNECTED] line in the human output), instead of
 * failing the host. The host lock is taken again and the host's cached facts are dropped, so a
 * task reads the host as it is now, not as it was before the gap.
 */
const fleet = useFleet({ hosts: 2 });
const workDir = useWorkDir();

/** Whether the reconnect fixture's gap, held until `release` exists, runs on the controller. */
const gapRunning = (release: string) =>
  new Promise<boolean>((resolve) => execFile('pgrep', ['-f', `^sh -c until .* gap ${release}$`], (error) => resolve(!error)));

/** Kills node1's SSH sessions: the post-auth sshd processes (named `sshd: user@...`, or `sshd-session:` on newer OpenSSH). */
const dropConnections = () => onHost(fleet(), 'node1', `pkill -9 -f '^sshd(-session)?: [^ ]+@' ; true`);

describe('a connection dropped between tasks', () => {
  it('is opened again before the next task, which then sees the host as it is now; the other host never notices', async () => {
    const tag = `rc${Date.now()}`;
    // Known before the run: the play's facts read it as already right.
    for (const host of ['node1', 'node2']) await onHost(fleet(), host, `printf 'kept\\n' > /root/${tag}.kept`);
    const inventory = await writeInventory(fleet(), workDir());
    // The gap lasts until the test has done its part, however slowly a loaded machine does it.
    const release = join(workDir(), `${tag}.release`);
    const live = startPlaybook('reconnect.ts', inventory, ['-e', `tag=${tag}`, '-e', `release=${release}`]);
    await live.waitFor((e) => e.type === 'task.start' && e.task === 'gap');
    const loginsBefore = await acceptedLogins(fleet(), 'node1');
    // While the controller pauses: the connection goes, and the host changes behind the run's back.
    await dropConnections();
    await onHost(fleet(), 'node1', `printf 'changed meanwhile\\n' > /root/${tag}.kept`);
    await writeFile(release, '');
    const run = await live.done;

    expectExit(run, 0);
    const reconnects = run.events.filter((e) => e.type === 'host.reconnect');
    expect(reconnects).toHaveLength(1);
    expect(reconnects[0]).toMatchObject({ host: 'node1', reason: expect.stringMatching(/^connection to node1 lost: /) });
    // The reconnect came before the task that needed it, and after the gap.
    const order = run.events.map((e) => (e.type === 'host.reconnect' ? 'reconnect' : e.type === 'host.result' && e.host === 'node1' ? e.task : undefined)).filter(Boolean);
    expect(order).toEqual(['step 1', 'gap', 'reconnect', 'after the gap']);
    // Facts read before the gap were dropped: the file is seen as changed and put right.
    expect(resultsOf(run, 'after the gap')['node1']!.status).toBe('changed');
    expect(resultsOf(run, 'after the gap')['node2']!.status).toBe('ok');
    expect(await onHost(fleet(), 'node1', `cat /root/${tag}.kept`)).toBe('kept\n');
    // One new login, the reconnect's.
    expect(await acceptedLogins(fleet(), 'node1')).toBe(loginsBefore + 1);
  });

  it('says so in the human output', async () => {
    const tag = `rch${Date.now()}`;
    const inventory = await writeInventory(fleet(), workDir(), { hosts: ['node1'] });
    // Without --json: the gap begins once step 1's file is on the host.
    const release = join(workDir(), `${tag}.release`);
    const running = meshbook(['run', fixture('reconnect.ts'), '-i', inventory, '-e', `tag=${tag}`, '-e', `release=${release}`]);
    // Without --json there are no events to wait for: the gap's own process on the controller says
    // it has begun (step 1 is over).
    while (!(await gapRunning(release))) await sleep(100);
    await dropConnections();
    await writeFile(release, '');
    const run = await running;
    expectExit(run, 0);
    expect(run.stdout).toMatch(/\[RECONNECTED\]: \[node1\] connection to node1 lost: .*; the host lock was taken again and its cached facts dropped/);
  });
});
