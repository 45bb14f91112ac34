import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recapOf } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import { expectExit, onHost, processesMatching, resultsOf, runPlaybook, sleep, startPlaybook, useWorkDir, writeInventory, type LiveRun } from './harness.js';

/**
 * Issue 8, cases 3 and 9: a command that never returns times out and leaves no process behind;
 * Ctrl-C starts no new task, lets running commands finish (or stops them after the grace period),
 * lists the hosts left half-way, exits 130 and leaves no stray remote process.
 */
const fleet = useFleet({ hosts: 2 });
const workDir = useWorkDir();
const HOSTS = ['node1', 'node2'];
const newMarker = (what: string) => `meshbook-${what}-${randomBytes(4).toString('hex')}`;

async function strays(marker: string): Promise<string[]> {
  return (await Promise.all(HOSTS.map((h) => processesMatching(fleet(), h, marker)))).flat();
}

/** Waits until the marked command runs on every host; fails if it ended (or never started) before the run did. */
async function untilRunningOnEveryHost(marker: string, live: LiveRun): Promise<void> {
  let ended = false;
  void live.done.then(() => (ended = true));
  const running = async () => (await Promise.all(HOSTS.map((h) => processesMatching(fleet(), h, marker)))).every((found) => found.length > 0);
  while (!(await running())) {
    if (ended || live.events.some((e) => e.type === 'host.result')) throw new Error(`the command ${marker} was not seen running on every host before it ended`);
    await sleep(50);
  }
}

describe('hung commands', () => {
  it('3. a command that never returns times out, and no process of it is left on the host', async () => {
    const marker = newMarker('hung');
    const run = await runPlaybook('hung.ts', await writeInventory(fleet(), workDir()), ['-e', `marker=${marker}`]);
    expectExit(run, 2);
    for (const host of HOSTS) {
      const hung = resultsOf(run, 'hangs')[host]!;
      expect(hung.status).toBe('failed');
      expect(hung.error?.code).toBe('TIMEOUT');
      expect(hung.error?.message).toMatch(/timed out after 3000 ms; its processes were killed/);
      expect(resultsOf(run, 'after the hang')[host]).toBeUndefined();
    }
    expect(await strays(marker)).toEqual([]);
  });

  it('3. a task without a timeout of its own gets the run\'s default (--task-timeout; 3600 s unless given) (issue 19, item 8)', async () => {
    const marker = newMarker('default');
    const run = await runPlaybook('hung-default-timeout.ts', await writeInventory(fleet(), workDir()), ['-e', `marker=${marker}`, '--task-timeout', '2']);
    expectExit(run, 2);
    for (const host of HOSTS) {
      expect(resultsOf(run, 'hangs')[host]).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
      expect(resultsOf(run, 'hangs')[host]!.error?.message).toMatch(/timed out after 2000 ms/);
    }
    expect(await strays(marker)).toEqual([]);
  });

  it('3. a host that freezes mid-command (docker pause): the task times out, the others finish, nothing is left once it thaws', async () => {
    const marker = newMarker('paused');
    const inventory = await writeInventory(fleet(), workDir());
    const live = startPlaybook('hung.ts', inventory, ['-e', `marker=${marker}`, '-e', 'sleep=2']);
    await live.waitFor((e) => e.type === 'task.start' && e.task === 'hangs');
    // Freeze node2 once its command runs (connections open lazily, after task.start).
    while ((await processesMatching(fleet(), 'node2', marker)).length === 0) await sleep(50);
    await fleet().pause('node2');
    let run;
    try {
      // node2 stays frozen until the run is over: the run ends on the 3 s timeout, not by the host answering.
      run = await live.done;
    } finally {
      await fleet().unpause('node2');
    }
    expectExit(run, 2);
    expect(resultsOf(run, 'hangs')['node2']).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
    expect(resultsOf(run, 'after the hang')['node1']?.status).toMatch(/ok|changed/);
    // Thawed, node2's sshd sees the run's connection gone and ends what it started: waited for, not
    // a fixed pause a loaded machine may outlast.
    const deadline = Date.now() + 120_000;
    while ((await strays(marker)).length > 0 && Date.now() < deadline) await sleep(200);
    expect(await strays(marker)).toEqual([]);
  });
});

describe('Ctrl-C', () => {
  it('9. SIGINT mid-command: the running command finishes within the grace period, no new task or play starts, exit 130', async () => {
    const marker = newMarker('int-finish');
    const live = startPlaybook('interrupted.ts', await writeInventory(fleet(), workDir()), ['-e', `marker=${marker}`, '-e', 'sleep=3']);
    await live.waitFor((e) => e.type === 'task.start' && e.task === 'long command');
    // Interrupted while the command runs on both hosts (connections open lazily, after task.start).
    await untilRunningOnEveryHost(marker, live);
    live.child.kill('SIGINT');
    const run = await live.done;
    expectExit(run, 130);
    expect(run.stderr).toMatch(/SIGINT: stopping; running tasks get a grace period/);
    const recap = run.events.find((e) => e.type === 'recap');
    expect(recap).toMatchObject({ type: 'recap', interrupted: 'SIGINT' });
    expect(recap?.type === 'recap' && recap.unknownState).toBeFalsy();
    for (const host of HOSTS) expect(resultsOf(run, 'long command')[host]?.status).toBe('changed');
    expect(run.events.filter((e) => e.type === 'task.start').map((e) => e.type === 'task.start' && e.task)).toEqual(['long command']);
    expect(await onHost(fleet(), 'node1', `ls /root/${marker}.* 2>&1 | head -1`)).toMatch(/No such file/);
    expect(await strays(marker)).toEqual([]);
  });

  it('9. SIGINT on a command that outlasts the grace period: it is stopped, its hosts are listed as unknown, nothing is left running', async () => {
    const marker = newMarker('int-kill');
    const live = startPlaybook('interrupted.ts', await writeInventory(fleet(), workDir()), ['-e', `marker=${marker}`, '-e', 'sleep=600']);
    await live.waitFor((e) => e.type === 'task.start' && e.task === 'long command');
    await untilRunningOnEveryHost(marker, live);
    live.child.kill('SIGINT');
    const started = Date.now();
    const run = await live.done;
    expectExit(run, 130);
    // The default grace period is 10 s, waited in full; only the stop ends the 600 s command (vitest's timeout bounds it).
    expect(Date.now() - started).toBeGreaterThan(9_000);
    const recap = run.events.find((e) => e.type === 'recap');
    expect(recap?.type === 'recap' && [...(recap.unknownState ?? [])].sort()).toEqual(HOSTS);
    for (const host of HOSTS) {
      expect(resultsOf(run, 'long command')[host]).toMatchObject({ status: 'failed', error: { code: 'ABORTED' } });
      expect(recapOf(run)[host]!.failed).toBe(1);
    }
    expect(run.stdout + run.stderr).not.toMatch(/next task|later task/);
    expect(await strays(marker)).toEqual([]);
  });
});

describe('nobody left to read the output (issue 13)', () => {
  it('17. stdout closed (`meshbook run | head`): at the next output the run stops as on Ctrl-C, the remote command is stopped, the recap goes to stderr, exit 130', async () => {
    const marker = newMarker('epipe');
    // node2's command ends after 1 s: its result is the write that finds the pipe closed.
    const inventory = await writeInventory(fleet(), workDir(), { hostVars: { node1: { sleep: 600 }, node2: { sleep: 1 } } });
    const live = startPlaybook('interrupted.ts', inventory, ['-e', `marker=${marker}`]);
    await live.waitFor((e) => e.type === 'task.start' && e.task === 'long command');
    while ((await processesMatching(fleet(), 'node1', marker)).length === 0) await sleep(50);
    live.child.stdout!.destroy();
    const run = await live.done;
    expectExit(run, 130);
    expect(run.stderr).toMatch(/stdout closed: stopping; running tasks get a grace period/);
    expect(run.stderr).toMatch(/PLAY RECAP/);
    expect(run.stderr).toMatch(/INTERRUPTED: stdout closed/);
    expect(run.stderr).toMatch(/state unknown on: node1/);
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(await onHost(fleet(), 'node2', `ls /root/${marker}.* 2>&1 | head -1`)).toMatch(/No such file/);
    expect(await strays(marker)).toEqual([]);
  });

  it('17. SIGHUP (the terminal closed): stops the run as Ctrl-C does, the remote command is stopped, exit 130', async () => {
    const marker = newMarker('hup');
    const live = startPlaybook('interrupted.ts', await writeInventory(fleet(), workDir()), ['-e', `marker=${marker}`, '-e', 'sleep=600']);
    await live.waitFor((e) => e.type === 'task.start' && e.task === 'long command');
    await untilRunningOnEveryHost(marker, live);
    live.child.kill('SIGHUP');
    const run = await live.done;
    expectExit(run, 130);
    expect(run.events.find((e) => e.type === 'recap')).toMatchObject({ type: 'recap', interrupted: 'SIGHUP' });
    for (const host of HOSTS) expect(resultsOf(run, 'long command')[host]).toMatchObject({ status: 'failed', error: { code: 'ABORTED' } });
    expect(await strays(marker)).toEqual([]);
  });
});
