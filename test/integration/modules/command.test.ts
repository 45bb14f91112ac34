import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EventBus, KnownAfterApply, MeshbookError, Secret, runPlaybook, task } from '@meshbook/engine';
import type { MeshbookEvent, ModuleResult, PlayItem, Transport } from '@meshbook/engine';
import { fakeInventory } from '@meshbook/engine/testing';
import { command, copy, file, shell, type CommandOutput } from '@meshbook/modules';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { expectNoSecretIn } from '../faults/harness.js';
import { fleetSshOptions } from '../support/fleet.js';
import { proveBadParams, proveCheckMode, roundTripsOf, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const exists = (path: string) => hosts.sh(H, `test -e '${path}' && echo present || echo absent`);

describe('command and shell on a real host', () => {
  it('creates: runs once, then is skipped (the idempotency of a one-off command)', async () => {
    const params = { argv: ['sh', '-c', 'echo init >> /srv/init.log && touch /srv/initialised'], creates: '/srv/initialised' };
    await hosts.sh(H, 'mkdir -p /srv');
    const first = await command.run(t(), params, { diff: true });
    expect(first.changed).toBe(true);
    expect(first.diff).toContain("run sh -c 'echo init >> /srv/init.log && touch /srv/initialised'");
    const second = await command.run(t(), params);
    expect(second.changed).toBe(false);
    expect(second.output).toMatchObject({ skipped: '/srv/initialised exists' });
    expect(await hosts.sh(H, 'cat /srv/init.log')).toBe('init\n');
    const { roundTrips } = await roundTripsOf(command, t(), params);
    expect(roundTrips).toBeLessThanOrEqual(1);
  });

  it('removes: runs only while the path exists', async () => {
    await hosts.sh(H, 'touch /srv/stale.lock');
    const params = { argv: ['rm', '-f', '--', '/srv/stale.lock'], removes: '/srv/stale.lock' };
    expect((await command.run(t(), params)).changed).toBe(true);
    expect(await exists('/srv/stale.lock')).toBe('absent\n');
    expect((await command.run(t(), params)).changed).toBe(false);
  });

  it('check mode reports the run and runs nothing', async () => {
    const r = await proveCheckMode(command, t(), { argv: ['touch', '/srv/check-mode-ran'] }, () => exists('/srv/check-mode-ran'));
    expect(r.output).toBeInstanceOf(KnownAfterApply);
  });

  it('readOnly: runs in gather even in check mode, never changed, one round trip', async () => {
    const { roundTrips, result } = await roundTripsOf(shell, t(), { cmd: 'systemctl is-system-running || true', readOnly: true }, { check: true });
    expect(result.changed).toBe(false);
    expect((result.output as { stdout: string }).stdout).toMatch(/running|degraded/);
    expect(roundTrips).toBe(1);
  });

  it('argv words, stdin, env and chdir are passed literally', async () => {
    const words = ['$(touch /tmp/pwned)', '`id`', 'a;b', "'q'", '"dq"', '-n', 'ünï', 'two\nlines', ''];
    const r = await command.run(t(), { argv: ['printf', '[%s]', ...words] });
    expect((r.output as { stdout: string }).stdout).toBe(words.map((w) => `[${w}]`).join(''));
    const canary = 'stdin-canary-a41f';
    const s = await shell.run(t(), { cmd: 'cat; echo " $MB_X"; pwd', stdin: new Secret(canary), env: { MB_X: "it's $(x)" }, chdir: '/srv' }, { diff: true });
    expect((s.output as { stdout: string }).stdout).toBe(`${canary} it's $(x)\n/srv\n`);
    expect(JSON.stringify(s.changes) + s.diff).not.toContain(canary);
    expect(await exists('/tmp/pwned')).toBe('absent\n');
  });

  it('a first argv word that looks like an assignment (NAME=value) is the program, not an environment change (issue 19, item 11)', async () => {
    await hosts.sh(H, 'mkdir -p /tmp/fakebin && printf "#!/bin/sh\\necho hijacked\\n" > /tmp/fakebin/ls && chmod +x /tmp/fakebin/ls');
    const error = await command.run(t(), { argv: ['PATH=/tmp/fakebin', 'ls', '/'] }).catch((e: unknown) => e);
    // The program "PATH=/tmp/fakebin" does not exist: the command fails instead of running ls with PATH changed.
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).stderr).toMatch(/PATH=\/tmp\/fakebin.*not found/);
    expect((error as MeshbookError).stdout ?? '').not.toContain('hijacked');
    const env = await command.run(t(), { argv: ['env', 'MB_LITERAL=a=b', 'sh', '-c', 'echo "$MB_LITERAL"'] });
    expect((env.output as { stdout: string }).stdout).toBe('a=b\n');
  });

  it('a failing command is COMMAND_FAILED with the masked command, unless okExitCodes allows it', async () => {
    const error = await command.run(t(), { argv: ['sh', '-c', 'echo boom >&2; exit 4', new Secret('argv-secret-9c2e')] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect(error).toMatchObject({ code: 'COMMAND_FAILED', exitCode: 4, stderr: 'boom\n', host: H });
    expect((error as MeshbookError).command).toContain('***');
    expect((error as MeshbookError).command).not.toContain('argv-secret-9c2e');
    const ok = await shell.run(t(), { cmd: 'exit 2', okExitCodes: [0, 2] });
    expect(ok.output).toMatchObject({ exitCode: 2 });
  });

  it('shell exit cannot end the transport session', async () => {
    await shell.run(t(), { cmd: 'exit 0' });
    const r = await command.run(t(), { argv: ['echo', 'still here'] });
    expect(r.output).toMatchObject({ stdout: 'still here\n' });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(command, t(), { argv: 'rm -rf /' }, /command\.argv/);
    await proveBadParams(shell, t(), { cmd: 'x', creates: 'relative' }, /shell\.creates: an absolute path/);
  });
});

// readOnly results are single-use facts: the play's prefetch runs them in its one batch per host,
// and each task is handed a run of its own.
describe('read-only commands in a playbook run on a real host', () => {
  /** One play on the host over a new SSH connection: its recap, events and the connection's counters. */
  async function play(tasks: PlayItem[], check = false) {
    const events: MeshbookEvent[] = [];
    const bus = new EventBus();
    bus.subscribe((e) => void events.push(e));
    let transport: Transport | undefined;
    const summary = await runPlaybook(
      { name: 'read-only', plays: [{ name: 'read-only', hosts: 'all', tasks }] },
      {
        inventory: fakeInventory({ [H]: {} }),
        connect: async () => (transport = await connectSsh(fleetSshOptions(hosts.fleet(), H))),
        events: bus,
        check,
        hostLock: false,
      },
    );
    return { counts: summary.hosts[H]!, events, commands: transport!.stats().commands };
  }
  /** Keeps what a read-only task was handed (changedWhen sees the module result). */
  const keep = (into: string[]) => ({
    changedWhen: (result: ModuleResult) => {
      into.push((result.output as CommandOutput).stdout);
      return false;
    },
  });

  it('a re-run with nothing to change sends every check of the play, read-only commands included, in one batch', async () => {
    const outputs: string[] = [];
    const tasks = [
      task(file, { path: '/srv/ro-batch', state: 'directory', mode: '0755' }),
      task(command, { argv: ['cat', '/etc/hostname'], readOnly: true }, keep(outputs)),
      task(copy, { dest: '/srv/ro-batch/marker', content: 'marker\n', mode: '0644' }),
      task(shell, { cmd: 'echo "$MB_GREETING from $(pwd)"', env: { MB_GREETING: "it's $(x)" }, chdir: '/srv/ro-batch', readOnly: true }, keep(outputs)),
      task(command, { argv: ['cat', '/srv/ro-batch/marker'], readOnly: true }, keep(outputs)),
      task(shell, { cmd: 'systemctl is-system-running || true', readOnly: true }, keep(outputs)),
    ];
    await play(tasks);
    outputs.length = 0;
    const again = await play(tasks);
    expect(again.counts).toMatchObject({ ok: 6, changed: 0, failed: 0 });
    expect(again.commands, 'one command for the whole play: the fact batch').toBe(1);
    // Opening the kept shell, then the batch.
    expect(again.counts.roundTrips).toBeLessThanOrEqual(2);
    expect(outputs).toEqual([`${H}\n`, "it's $(x) from /srv/ro-batch\n", 'marker\n', expect.stringMatching(/running|degraded/)]);
    // Check mode: the same single batch.
    const checked = await play(tasks, true);
    expect(checked.counts).toMatchObject({ changed: 0, failed: 0 });
    expect(checked.commands).toBe(1);
  });

  it('two identical read-only commands each get their own run', async () => {
    const outputs: string[] = [];
    const uuid = () => task(command, { argv: ['cat', '/proc/sys/kernel/random/uuid'], readOnly: true }, keep(outputs));
    await play([uuid(), uuid()]);
    expect(outputs).toHaveLength(2);
    expect(outputs[0]).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(outputs[1]).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(outputs[0]).not.toBe(outputs[1]);
  });

  it('a read-only command after a task that changed the host sees the change', async () => {
    await hosts.sh(H, 'mkdir -p /srv && printf old > /srv/ro-changed');
    const outputs: string[] = [];
    const read = () => task(command, { argv: ['cat', '/srv/ro-changed'], readOnly: true }, keep(outputs));
    const run = await play([read(), task(copy, { dest: '/srv/ro-changed', content: 'new', mode: '0644' }), read()]);
    expect(run.counts).toMatchObject({ changed: 1, failed: 0 });
    expect(outputs).toEqual(['old', 'new']);
  });

  it('a failing read-only command fails its task with COMMAND_FAILED and its exit code, in check mode too', async () => {
    for (const check of [false, true]) {
      let error: unknown;
      const run = await play(
        [
          task(shell, { cmd: 'echo fine', readOnly: true }),
          task(shell, { cmd: 'echo broken >&2; exit 3', readOnly: true }, { failedWhen: (_r, _h, e) => ((error = e), true) }),
        ],
        check,
      );
      expect(run.counts).toMatchObject({ ok: 1, failed: 1 });
      expect(run.commands, 'both ran in the batch').toBe(1);
      expect(error).toBeInstanceOf(MeshbookError);
      expect(error).toMatchObject({ code: 'COMMAND_FAILED', exitCode: 3, stderr: 'broken\n', host: H, command: "sh -c 'echo broken >&2; exit 3'" });
      const result = run.events.find((e) => e.type === 'host.result' && e.status === 'failed');
      expect(result).toMatchObject({ error: { code: 'COMMAND_FAILED', message: 'command failed with exit code 3' } });
    }
  });

  it('a read-only command with a Secret in argv runs at its task and never shows the secret', async () => {
    const canary = `ro-canary-${randomBytes(8).toString('hex')}`;
    const run = await play([
      task(command, { argv: ['true'], readOnly: true }),
      task(command, { argv: ['sh', '-c', 'echo "from argv: $1" >&2; echo "$1"; exit 3', 'sh', new Secret(canary)], readOnly: true }),
    ]);
    expect(run.counts).toMatchObject({ ok: 1, failed: 1 });
    expect(run.commands, 'the batch, then the command with the secret on its own').toBe(2);
    const failed = run.events.find((e) => e.type === 'host.result' && e.status === 'failed');
    expect(failed).toMatchObject({ error: { code: 'COMMAND_FAILED' } });
    expect(JSON.stringify(failed)).toContain('***');
    expectNoSecretIn('events', JSON.stringify(run.events), canary);
  });
});
