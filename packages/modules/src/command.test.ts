import { describe, expect, it } from 'vitest';
import { LocalTransport, Secret, runPlaybook, task } from '@meshbook/engine';
import type { BatchOptions, PlayItem, RunOptions, ShellCommand } from '@meshbook/engine';
import { fakeInventory } from '@meshbook/engine/testing';
import { command, shell } from './command.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const todo = { done: null, result: null };

describePlanFixtures(
  command,
  [
    { name: 'runs: one change naming the quoted argv', params: { argv: ['kubeadm', 'init', '--config', '/etc/kubeadm/a b.yaml'] }, facts: todo, changes: [{ kind: 'command.run', target: "kubeadm init --config '/etc/kubeadm/a b.yaml'", summary: "run kubeadm init --config '/etc/kubeadm/a b.yaml'" }] },
    { name: 'creates exists → nothing', params: { argv: ['kubeadm', 'init'], creates: '/etc/kubernetes/admin.conf' }, facts: { done: '/etc/kubernetes/admin.conf exists', result: null }, changes: [] },
    { name: 'removes absent → nothing', params: { argv: ['rm', '-f', '/x'], removes: '/x' }, facts: { done: '/x does not exist', result: null }, changes: [] },
    { name: 'readOnly never changes', params: { argv: ['kubectl', 'get', 'nodes'], readOnly: true }, facts: { done: null, result: { stdout: 'n1', stderr: '', exitCode: 0 } }, changes: [] },
    { name: 'a Secret argument is masked in the change', params: { argv: ['kubeadm', 'join', '--token', new Secret('abcdef.0123456789abcdef')] }, facts: todo, changes: [{ kind: 'command.run', target: 'kubeadm join --token ***' }] },
    { name: 'chdir is named in the summary', params: { argv: ['make'], chdir: '/src' }, facts: todo, changes: [{ kind: 'command.run', target: 'make', summary: 'run make (in /src)' }] },
  ],
  [
    { name: 'an empty argv', params: { argv: [] }, error: /command\.argv: at least the program name/ },
    { name: 'a string instead of argv', params: { argv: 'ls -l' }, error: /command\.argv/ },
    { name: 'a relative creates', params: { argv: ['x'], creates: 'x' }, error: /command\.creates: an absolute path/ },
    { name: 'a bad env name', params: { argv: ['x'], env: { 'A B': '1' } }, error: /command\.env/ },
    { name: 'cmd on command', params: { cmd: 'ls' }, error: /cmd/ },
  ],
);

describePlanFixtures(
  shell,
  [
    { name: 'runs through sh -c', params: { cmd: 'echo $HOME | wc -c' }, facts: todo, changes: [{ kind: 'shell.run', target: "sh -c 'echo $HOME | wc -c'" }] },
    { name: 'creates exists → nothing', params: { cmd: 'x', creates: '/x' }, facts: { done: '/x exists', result: null }, changes: [] },
  ],
  [{ name: 'argv on shell', params: { argv: ['ls'] }, error: /argv/ }],
);

// Gather and apply for real on the controller (no host needed): creates/removes, stdin, env, chdir, exit codes.
describe('command and shell on the local transport', () => {
  const local = new LocalTransport();
  it('argv words are literal: no shell interprets them', async () => {
    const r = await command.run(local, { argv: ['printf', '%s|', '$(id)', '`id`', 'a;b', "'q'", '-n', 'ünï'] });
    expect(r.changed).toBe(true);
    expect(r.output).toMatchObject({ stdout: "$(id)|`id`|a;b|'q'|-n|ünï|", exitCode: 0 });
  });
  it('stdin (a Secret) goes in on stdin, never on the command line', async () => {
    const r = await command.run(local, { argv: ['cat'], stdin: new Secret('stdin-canary-77') }, { diff: true });
    expect(r.output).toMatchObject({ stdout: 'stdin-canary-77' });
    expect(JSON.stringify(r.changes)).not.toContain('stdin-canary-77');
  });
  it('env and chdir', async () => {
    const r = await shell.run(local, { cmd: 'echo "$GREETING $(pwd)"', env: { GREETING: 'hi there' }, chdir: '/tmp' });
    expect(r.output).toMatchObject({ stdout: 'hi there /tmp\n' });
  });
  it('creates: skipped when the path exists', async () => {
    const r = await shell.run(local, { cmd: 'exit 9', creates: '/' });
    expect(r.changed).toBe(false);
    expect(r.output).toMatchObject({ skipped: '/ exists' });
  });
  it('removes: runs only when the path exists', async () => {
    const r = await shell.run(local, { cmd: 'exit 9', removes: '/nonexistent-meshbook-path' });
    expect(r.changed).toBe(false);
  });
  it('a non-zero exit fails with COMMAND_FAILED, command masked', async () => {
    await expect(command.run(local, { argv: ['sh', '-c', 'echo oops >&2; exit 3', new Secret('mask-me-please')] })).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      exitCode: 3,
      stderr: 'oops\n',
      command: expect.stringContaining('***'),
    });
  });
  it('okExitCodes accepts listed codes', async () => {
    const r = await shell.run(local, { cmd: 'exit 1', okExitCodes: [0, 1] });
    expect(r.output).toMatchObject({ exitCode: 1 });
  });
  it('readOnly runs in gather, also in check mode, and never reports a change', async () => {
    const r = await shell.run(local, { cmd: 'echo ro', readOnly: true }, { check: true });
    expect(r.changed).toBe(false);
    expect(r.output).toMatchObject({ stdout: 'ro\n' });
  });
  it('check mode does not run a normal command', async () => {
    const r = await shell.run(local, { cmd: 'exit 5' }, { check: true });
    expect(r.changed).toBe(true);
  });
});

/** Records every command's display, to see what ran in the play's batch and what on its own. */
class RecordingTransport extends LocalTransport {
  readonly displays: string[] = [];
  override run(command: ShellCommand, options?: RunOptions) {
    this.displays.push(command.display);
    return super.run(command, options);
  }
  override runBatch(commands: readonly ShellCommand[], options?: BatchOptions) {
    this.displays.push(`batch: ${commands.map((c) => c.display).join(' ; ')}`);
    return super.runBatch(commands, options);
  }
}

// readOnly results are single-use facts: fetched in the play's batch, each handed to one task.
describe('readOnly commands in a play', () => {
  const play = (transport: LocalTransport, tasks: PlayItem[], check = false) =>
    runPlaybook({ name: 'pb', plays: [{ name: 'reads', hosts: 'all', tasks }] }, { inventory: fakeInventory({ h: {} }), connect: async () => transport, check, hostLock: false });

  it('all of a play\'s read-only commands run in one batch, also in check mode', async () => {
    for (const check of [false, true]) {
      const local = new RecordingTransport('h');
      const summary = await play(local, [task(command, { argv: ['true'], readOnly: true }), task(shell, { cmd: 'echo two', readOnly: true }), task(command, { argv: ['id', '-u'], readOnly: true })], check);
      expect(summary.hosts.h).toMatchObject({ ok: 3, changed: 0, failed: 0 });
      expect(local.displays).toHaveLength(1);
    }
  });

  it('env and chdir apply inside the batched command, quoted', async () => {
    const local = new RecordingTransport('h');
    const r = await shell.run(local, { cmd: 'echo "$GREETING $(pwd)"', env: { GREETING: "it's $(x) `y`" }, chdir: '/tmp', readOnly: true });
    expect(r.output).toMatchObject({ stdout: "it's $(x) `y` /tmp\n", exitCode: 0 });
  });

  it('a failing one is COMMAND_FAILED with its exit code, stderr and masked command, in check mode too', async () => {
    for (const check of [false, true]) {
      const error = await shell.run(new LocalTransport('h'), { cmd: 'echo bad >&2; exit 3', readOnly: true }, { check }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'COMMAND_FAILED', exitCode: 3, stderr: 'bad\n', host: 'h', command: "sh -c 'echo bad >&2; exit 3'" });
    }
    const local = new RecordingTransport('h');
    const summary = await play(local, [task(command, { argv: ['sh', '-c', 'exit 4'], readOnly: true, okExitCodes: [4] }), task(command, { argv: ['sh', '-c', 'exit 3'], readOnly: true })]);
    expect(summary.hosts.h).toMatchObject({ ok: 1, failed: 1 });
    expect(local.displays).toHaveLength(1);
  });

  it('with a Secret in argv or with stdin it runs at its task, not in the batch', async () => {
    const local = new RecordingTransport('h');
    await play(local, [
      task(command, { argv: ['true'], readOnly: true }),
      task(command, { argv: ['echo', new Secret('ro-secret-5d1e')], readOnly: true }),
      task(command, { argv: ['cat'], stdin: 'in', readOnly: true }),
    ]);
    expect(local.displays).toEqual(['true', 'echo ***', 'cat']);
  });
});
