import { describe, expect, it } from 'vitest';
import { useFleet } from '../support/fleet.js';
import { PLAY_BECOME_USER } from './fixtures/play-connection-vars.js';
import { expectExit, onHost, runPlaybook, useWorkDir, writeInventory } from './harness.js';

/**
 * Connection variables in a play's vars reach the real hosts: the play's ansible_user logs in, its
 * become password opens sudo, its ansible_become_user beats the task's become user; -e beats the
 * play; plays that would reach one host two ways are refused before anything connects.
 */
const fleet = useFleet({ hosts: 1 });
const workDir = useWorkDir();
const HOST = 'node1';

async function inventory(): Promise<string> {
  // Root logs in unless the play says otherwise; the play's references resolve against these.
  return writeInventory(fleet(), workDir(), { vars: { play_login: fleet().sudoUser.name, play_sudo_password: fleet().sudoUser.password } });
}

const whoami = async (tag: string) => (await onHost(fleet(), HOST, `cat /tmp/${tag}.login /tmp/${tag}.become`)).trim().split('\n');

describe("a play's connection variables", () => {
  it('log in as the play says, become its ansible_become_user (over the task keyword), with its become password, which is shown nowhere', async () => {
    await onHost(fleet(), HOST, `id ${PLAY_BECOME_USER} >/dev/null 2>&1 || useradd --create-home --shell /bin/sh ${PLAY_BECOME_USER}`);
    const tag = `playvars${Date.now()}`;
    const run = await runPlaybook('play-connection-vars.ts', await inventory(), ['-e', `tag=${tag}`, '-vvv']);
    expectExit(run, 0);
    expect(await whoami(tag)).toEqual([fleet().sudoUser.name, PLAY_BECOME_USER]);
    expect(run.stdout + run.stderr).not.toContain(fleet().sudoUser.password);
  });

  it('-e wins over the play vars: the login user and the become user', async () => {
    const tag = `playvarse${Date.now()}`;
    const run = await runPlaybook('play-connection-vars.ts', await inventory(), ['-e', `tag=${tag}`, '-e', 'ansible_user=root', '-e', 'ansible_become_user=nobody']);
    expectExit(run, 0);
    expect(await whoami(tag)).toEqual(['root', 'nobody']);
  });

  it('two plays reaching one host as different users: refused at load naming the play, the variable and the fix; nothing ran', async () => {
    const run = await runPlaybook('play-connection-conflict.ts', await inventory());
    expectExit(run, 5);
    expect(run.stderr).toContain('plays[1] "as deploy": vars ansible_user gives host "node1" login user deploy, but plays[0] "as the inventory says" reaches it with login user root');
    expect(run.stderr).toContain('fix: set ansible_user for the host in the inventory (host_vars/group_vars) or with -e');
    expect(await onHost(fleet(), HOST, 'ls /tmp/play-connection-conflict.* 2>/dev/null || true')).toBe('');
  });
});
