import { describe, expect, it } from 'vitest';
import { resultRef, runPlaybook, task, type AnyModule, type Task } from '@meshbook/engine';
import { fakeInventory } from '@meshbook/engine/testing';
import { command, copy, file, lineinfile, type CommandOutput } from '@meshbook/modules';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';

/**
 * Issue 21: a read-only command fetched ahead in the play's first batch runs there only when the
 * paths the tasks before it leave existing exist (ModuleDefinition.leaves); on a first run they
 * are missing, so it runs once, at its task, instead of twice (the batch's value was dropped by
 * the first change). On a real host over SSH, each run beside the same tasks with the modules'
 * `leaves` taken away (the engine as it was): the same changes, results and round trips.
 */
const fleet = useFleet({ hosts: 1 });
const H = 'node1';

/** The module as it was before it declared `leaves`: the prefetch then guards nothing. */
const withoutLeaves = <M extends AnyModule>(module: M): M => ({ ...module, definition: { ...module.definition, leaves: undefined } });

function tasks(root: string, guarded: boolean): Task[] {
  const m = <M extends AnyModule>(module: M) => (guarded ? module : withoutLeaves(module));
  const seen = resultRef<CommandOutput>(`seen_${guarded}`);
  return [
    task(m(file), { path: `${root}/etc`, state: 'directory', mode: '0755' }),
    task(m(copy), { dest: `${root}/etc/app.conf`, content: 'port = 80\n', mode: '0644' }),
    task(m(lineinfile), { path: `${root}/etc/extra.conf`, line: 'debug = false', create: true }),
    // Counts its own runs on the host (a line per run), then reads what the tasks above wrote.
    task(command, { argv: ['sh', '-c', `printf 'x\\n' >> ${root}.runs; cat ${root}/etc/app.conf ${root}/etc/extra.conf 2>/dev/null || true`], readOnly: true }, { register: seen }),
    task(m(copy), (host) => ({ dest: `${root}/etc/seen`, content: host.output(seen).stdout, mode: '0644' })),
  ];
}

describe('a read-only command fetched ahead behind a guard', () => {
  const run = (t: Task[], check = false) =>
    runPlaybook(
      { name: 'guard', plays: [{ name: 'guard', hosts: 'all', tasks: t }] },
      { inventory: fakeInventory({ [H]: {} }), connect: () => connectSsh(fleetSshOptions(fleet(), H)), check, hostLock: false },
    );
  const onHost = async (script: string) => (await fleet().exec(H, ['sh', '-c', script])).stdout;
  const runsOf = async (root: string) => (await onHost(`cat ${root}.runs 2>/dev/null || true`)).split('\n').filter(Boolean).length;
  const counts = (summary: Awaited<ReturnType<typeof run>>) => {
    const { ok, changed, failed, skipped, roundTrips } = summary.hosts[H]!;
    return { ok, changed, failed, skipped, roundTrips };
  };

  it('first run: the same changes, results and round trips; the command ran once instead of twice', async () => {
    await onHost('rm -rf /srv/guard-a /srv/guard-b /srv/guard-a.runs /srv/guard-b.runs');
    const before = await run(tasks('/srv/guard-a', false));
    const after = await run(tasks('/srv/guard-b', true));
    expect(counts(after)).toEqual(counts(before));
    expect(counts(after)).toMatchObject({ changed: 4, ok: 1, failed: 0 });
    expect(await onHost('cat /srv/guard-b/etc/seen')).toBe('port = 80\ndebug = false\n');
    expect(await onHost('cat /srv/guard-a/etc/seen')).toBe('port = 80\ndebug = false\n');
    expect(await runsOf('/srv/guard-a')).toBe(2);
    expect(await runsOf('/srv/guard-b')).toBe(1);
  });

  it('no-op re-run: the guard holds, the command runs in the play\'s one batch, the round trips stay', async () => {
    const before = await run(tasks('/srv/guard-a', false));
    const after = await run(tasks('/srv/guard-b', true));
    expect(counts(after)).toEqual(counts(before));
    expect(counts(after)).toMatchObject({ changed: 0, ok: 5, failed: 0 });
    // The kept shell and the play's batch (no host lock in this test).
    expect(after.hosts[H]!.roundTrips).toBe(2);
    expect(await runsOf('/srv/guard-b')).toBe(2);
  });

  it('check mode on a fresh host path: unchanged (no guard), nothing written', async () => {
    await onHost('rm -rf /srv/guard-c /srv/guard-d /srv/guard-c.runs /srv/guard-d.runs');
    const before = await run(tasks('/srv/guard-c', false), true);
    const after = await run(tasks('/srv/guard-d', true), true);
    expect(counts(after)).toEqual(counts(before));
    expect(counts(after)).toMatchObject({ failed: 0 });
    // The read ran once, in the batch, and its value was used (nothing is dropped in check mode).
    expect(await runsOf('/srv/guard-c')).toBe(1);
    expect(await runsOf('/srv/guard-d')).toBe(1);
    expect(await onHost('ls -d /srv/guard-d 2>/dev/null || echo absent')).toBe('absent\n');
  });
});
