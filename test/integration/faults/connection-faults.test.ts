import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recapOf } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import { expectExit, onHost, resultsOf, runPlaybook, startPlaybook, useWorkDir, writeInventory } from './harness.js';

/**
 * Issue 8, cases 1, 2 and 4, and the strict host key default: a host that cannot be reached, or
 * goes away, or presents another key, is reported as such and the other hosts run every task.
 */
const fleet = useFleet({ hosts: 3 });
const workDir = useWorkDir();
const STEPS = ['step 1', 'pause', 'step 2', 'step 3'];

async function markers(host: string, tag: string): Promise<string> {
  return onHost(fleet(), host, `cd /root && ls ${tag}.step* 2>/dev/null | tr '\\n' ' '`);
}

describe('connection faults, as a user meets them', () => {
  it('1. a host down at the start is reported unreachable; the others run; recap and exit code say so', async () => {
    await fleet().stop('node3');
    try {
      const inventory = await writeInventory(fleet(), workDir());
      const run = await runPlaybook('steps.ts', inventory, ['-e', 'tag=case1']);
      expectExit(run, 4);
      const recap = recapOf(run);
      expect(recap['node3']).toMatchObject({ unreachable: 1, ok: 0, changed: 0, failed: 0 });
      for (const host of ['node1', 'node2']) expect(recap[host]).toMatchObject({ unreachable: 0, failed: 0, changed: 4 });
      const step1 = resultsOf(run, 'step 1');
      expect(step1['node3']!.status).toBe('unreachable');
      expect(step1['node3']!.error?.code).toBe('UNREACHABLE');
      expect(step1['node3']!.error?.message).toMatch(/node3/);
      // Nothing else was tried on it.
      expect(run.events.filter((e) => e.type === 'host.result' && e.host === 'node3')).toHaveLength(1);
      for (const host of ['node1', 'node2']) expect(await markers(host, 'case1')).toBe('case1.step1 case1.step2 case1.step3 ');
    } finally {
      await fleet().start('node3');
    }
  });

  it('2. a host that dies mid-run is reported unreachable, and no task on the other hosts is skipped', async () => {
    const inventory = await writeInventory(fleet(), workDir());
    // The pause lasts until node2 is down, however long a loaded machine takes to stop it.
    for (const host of ['node1', 'node3']) await onHost(fleet(), host, 'rm -f /tmp/case2.release');
    const run = startPlaybook('steps.ts', inventory, ['-e', 'tag=case2', '-e', 'release=/tmp/case2.release']);
    await run.waitFor((e) => e.type === 'task.start' && e.task === 'pause');
    await fleet().stop('node2');
    for (const host of ['node1', 'node3']) await onHost(fleet(), host, 'touch /tmp/case2.release');
    const done = await run.done;
    try {
      expectExit(done, 4);
      const recap = recapOf(done);
      expect(recap['node2']).toMatchObject({ unreachable: 1, failed: 0 });
      expect(resultsOf(done, 'pause')['node2']!.error?.code).toBe('UNREACHABLE');
      for (const host of ['node1', 'node3']) {
        expect(recap[host]).toMatchObject({ unreachable: 0, failed: 0, skipped: 0, changed: 4 });
        for (const task of STEPS) expect(resultsOf(done, task)[host]?.status, `${task} on ${host}`).toBe('changed');
        expect(await markers(host, 'case2')).toBe('case2.step1 case2.step2 case2.step3 ');
      }
      // The dead host got no further task.
      expect(done.events.filter((e) => e.type === 'host.result' && e.host === 'node2').map((e) => e.type === 'host.result' && e.task)).toEqual(['step 1', 'pause']);
    } finally {
      await fleet().start('node2');
    }
    expect(await markers('node2', 'case2')).toBe('case2.step1 ');
  });

  it('4. a changed host key is refused with its fingerprint and the fix; the other hosts run', async () => {
    await fleet().regenerateHostKeys('node1');
    const inventory = await writeInventory(fleet(), workDir());
    const run = await runPlaybook('steps.ts', inventory, ['-e', 'tag=case4']);
    expectExit(run, 4);
    const refused = resultsOf(run, 'step 1')['node1']!;
    expect(refused.status).toBe('unreachable');
    expect(refused.error?.code).toBe('HOST_KEY_MISMATCH');
    // The fingerprint shown is one of the host's new keys, as ssh-keygen prints it on the host.
    const fingerprints = (await onHost(fleet(), 'node1', 'for k in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf "$k"; done'))
      .split('\n')
      .map((line) => line.split(' ')[1])
      .filter((f): f is string => f !== undefined && f.startsWith('SHA256:'));
    expect(fingerprints.length).toBeGreaterThan(0);
    expect(fingerprints.some((f) => refused.error!.message.includes(f)), refused.error?.message).toBe(true);
    expect(refused.error?.hint).toMatch(/ssh-keygen -R|known_hosts/);
    expect(await markers('node1', 'case4')).toBe('');
    expect(recapOf(run)['node2']).toMatchObject({ changed: 4, failed: 0, unreachable: 0 });
  });

  it('strict host key checking is the default: an unknown host is refused and not added; accept-new must be asked for', async () => {
    const emptyKnownHosts = join(workDir(), 'empty_known_hosts');
    await writeFile(emptyKnownHosts, '');
    const strict = await runPlaybook('steps.ts', await writeInventory(fleet(), workDir(), { hosts: ['node2'], vars: { meshbook_known_hosts_file: emptyKnownHosts } }), ['-e', 'tag=strict']);
    expectExit(strict, 4);
    expect(resultsOf(strict, 'step 1')['node2']!.error?.code).toBe('HOST_KEY_UNKNOWN');
    expect(await markers('node2', 'strict')).toBe('');

    const acceptNew = await runPlaybook(
      'steps.ts',
      await writeInventory(fleet(), workDir(), { hosts: ['node2'], vars: { meshbook_known_hosts_file: emptyKnownHosts, meshbook_host_key_checking: 'accept-new' } }),
      ['-e', 'tag=acceptnew'],
    );
    expectExit(acceptNew, 0);
    expect(await markers('node2', 'acceptnew')).toBe('acceptnew.step1 acceptnew.step2 acceptnew.step3 ');
  });

  it('no agent forwarding: with the key only in the controller\'s ssh-agent, the run logs in through it, and the host gets no agent socket', async () => {
    const agent = execFileSync('ssh-agent', ['-s'], { encoding: 'utf8' });
    const socket = /SSH_AUTH_SOCK=([^;]+);/.exec(agent)![1]!;
    const pid = /SSH_AGENT_PID=(\d+);/.exec(agent)![1]!;
    const saved = process.env['SSH_AUTH_SOCK'];
    try {
      execFileSync('ssh-add', [fleet().privateKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      process.env['SSH_AUTH_SOCK'] = socket;
      // No key file in the inventory: the agent is the only way in.
      const inventory = await writeInventory(fleet(), workDir(), { hosts: ['node3'], vars: { ansible_ssh_private_key_file: undefined } });
      const run = await runPlaybook('agent-probe.ts', inventory);
      expectExit(run, 0);
      expect(await onHost(fleet(), 'node3', 'cat /root/agent-sock')).toBe('none');
    } finally {
      if (saved === undefined) delete process.env['SSH_AUTH_SOCK'];
      else process.env['SSH_AUTH_SOCK'] = saved;
      process.kill(Number(pid));
    }
  });
});
