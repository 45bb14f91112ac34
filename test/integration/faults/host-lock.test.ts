import { describe, expect, it, onTestFinished } from 'vitest';
import { createTransport, loadInventory, runPlaybook as runPlaybookApi } from '@meshbook/engine';
import { meshbook, recapOf } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import steps from './fixtures/steps.js';
import { acceptedLogins, expectExit, fixture, onHost, processesMatching, resultsOf, runPlaybook, sleep, startPlaybook, useWorkDir, writeInventory } from './harness.js';

/**
 * Issue 8, case 10: two runs against one host at once. The second waits for the first's lock up to
 * --lock-timeout, then refuses with HOST_LOCKED naming the host and the holder. Check mode locks
 * too; listings never connect; a crashed controller's lock dies with its connection.
 */
const fleet = useFleet({ hosts: 2 });
const workDir = useWorkDir();

const markers = (tag: string) => onHost(fleet(), 'node1', `cd /root && ls ${tag}.step* 2>/dev/null | tr '\\n' ' '`);

describe('two runs against the same host', () => {
  it('10. the second run waits up to --lock-timeout, then refuses with HOST_LOCKED naming the host and the holder; check mode too', async () => {
    const inventory = await writeInventory(fleet(), workDir(), { hosts: ['node1'] });
    // The first run holds the lock in a task that ends only when this test releases it: every run
    // below meets the lock however slowly a loaded machine starts them.
    await onHost(fleet(), 'node1', 'rm -f /tmp/lockA.release');
    const release = () => onHost(fleet(), 'node1', 'touch /tmp/lockA.release');
    const first = startPlaybook('steps.ts', inventory, ['-e', 'tag=lockA', '-e', 'release=/tmp/lockA.release']);
    // Released whatever happens, so that a failure here leaves no lock to the tests after it.
    onTestFinished(async () => {
      await release();
      await first.done;
    });
    await first.waitFor((e) => e.type === 'task.start' && e.task === 'pause');

    const second = await runPlaybook('steps.ts', inventory, ['-e', 'tag=lockB', '--lock-timeout', '1']);
    // It gave up while the first run still holds the lock, instead of waiting for it.
    expect(first.child.exitCode).toBeNull();
    expectExit(second, 4);
    const refused = resultsOf(second, 'step 1')['node1']!;
    expect(refused.error?.code).toBe('HOST_LOCKED');
    expect(refused.error?.message).toMatch(
      new RegExp(`^node1 is locked by another meshbook run \\(controller=\\S+ pid=${first.child.pid} started=\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); gave up after waiting 1 s$`),
    );
    expect(refused.error?.hint).toMatch(/--lock-timeout/);
    expect(second.events.filter((e) => e.type === 'host.result')).toHaveLength(1);
    expect(await markers('lockB')).toBe('');

    const check = await runPlaybook('steps.ts', inventory, ['-e', 'tag=lockC', '--check', '--lock-timeout', '0']);
    expectExit(check, 4);
    expect(resultsOf(check, 'step 1')['node1']!.error?.code).toBe('HOST_LOCKED');

    // Listings and --syntax-check never connect, so they never wait for the lock.
    const logins = await acceptedLogins(fleet(), 'node1');
    for (const listing of ['--syntax-check', '--list-hosts', '--list-tasks']) {
      // It did not wait for the lock: the first run still holds it, and no login reached the host.
      const run = await meshbook(['run', fixture('steps.ts'), '-i', inventory, listing]);
      expectExit(run, 0);
    }
    expect(await acceptedLogins(fleet(), 'node1')).toBe(logins);

    // A patient run, started while the first still runs, waits for it to finish, then runs everything:
    // its wait for the lock outlasts the 20 s a shell may take to open (that bound is for the shell only).
    expect(first.child.exitCode).toBeNull();
    const patientRun = startPlaybook('steps.ts', inventory, ['-e', 'tag=lockD', '--lock-timeout', '120']);
    // Its play has begun (its first task starts once it has the host, so after the lock).
    await patientRun.waitFor((e) => e.type === 'play.start');
    expect(first.child.exitCode).toBeNull();
    await release();
    const patient = await patientRun.done;
    const firstDone = await first.done;
    expectExit(firstDone, 0);
    expectExit(patient, 0);
    const firstEnd = firstDone.events.find((e) => e.type === 'run.end')!.time;
    const patientStep1 = resultsOf(patient, 'step 1')['node1']!;
    expect(patientStep1.time).toBeGreaterThanOrEqual(firstEnd);
    expect(await markers('lockD')).toBe('lockD.step1 lockD.step2 lockD.step3 ');
    // Nothing holds the lock once the runs are over.
    expect(await processesMatching(fleet(), 'node1', 'flock')).toEqual([]);
  });

  it('10. a controller killed mid-run (SIGKILL) leaves no stale lock: its connection took the lock with it', async () => {
    const inventory = await writeInventory(fleet(), workDir(), { hosts: ['node1'] });
    const crashed = startPlaybook('steps.ts', inventory, ['-e', 'tag=lockE', '-e', 'pause=30']);
    await crashed.waitFor((e) => e.type === 'task.start' && e.task === 'pause');
    await sleep(500);
    crashed.child.kill('SIGKILL');
    await crashed.done;
    const next = await runPlaybook('steps.ts', inventory, ['-e', 'tag=lockF', '--lock-timeout', '10']);
    expectExit(next, 0);
    expect(await markers('lockF')).toBe('lockF.step1 lockF.step2 lockF.step3 ');
    // The crashed run's own sleep is a stray only a live controller could have stopped.
    await onHost(fleet(), 'node1', 'pkill -f "^sleep 30$" || true');
  });

  it('10. the lock costs one shell opened alongside the first (one round trip more, at the same time), and two inventory names for one machine share it', async () => {
    const inventory = await loadInventory(await writeInventory(fleet(), workDir(), { hosts: ['node2'] }));
    const connect = (h: { name: string; connection: Parameters<typeof createTransport>[1] }, options: Parameters<typeof createTransport>[2]) =>
      createTransport(h.name, h.connection, options);
    // First converge the host, so that the two measured runs do the same work.
    expect((await runPlaybookApi(steps, { inventory, connect, extraVars: { tag: 'rt' }, hostLock: false })).outcome).toBe('ok');
    const locked = await runPlaybookApi(steps, { inventory, connect, extraVars: { tag: 'rt' } });
    const unlocked = await runPlaybookApi(steps, { inventory, connect, extraVars: { tag: 'rt' }, hostLock: false });
    expect(locked.outcome).toBe('ok');
    expect(unlocked.outcome).toBe('ok');
    expect(locked.hosts['node2']!.roundTrips - unlocked.hosts['node2']!.roundTrips).toBe(1);

    // One run holds the lock once per machine: a second name for it shares the lock, never waits on itself.
    const aliases = await writeInventory(fleet(), workDir(), { hosts: ['node2'], aliases: { 'node2-alias': 'node2' } });
    // Waiting on itself would end in HOST_LOCKED after the lock timeout, failing the run.
    const both = await runPlaybook('steps.ts', aliases, ['-e', 'tag=alias', '--lock-timeout', '20']);
    expectExit(both, 0);
    expect(recapOf(both)['node2-alias']).toMatchObject({ failed: 0, unreachable: 0 });
  });
});
