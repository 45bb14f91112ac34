import { beforeAll, describe, expect, it } from 'vitest';
import { meshbook, recapOf } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import { expectExit, onHost, resultsOf, useWorkDir, writeInventory } from '../faults/harness.js';

/**
 * `meshbook exec` over SSH on real hosts, as a user coming from `ansible all -m ...` runs it: a
 * command after `--` on every host, and a module with -a key=value under --check, --diff and
 * --become (sudo, and su through --become-method), logged in as the non-root user.
 */
const fleet = useFleet({ hosts: 2 });
const workDir = useWorkDir();
const ROOT_PASSWORD = 'root-pw-exec-4Kd9';
const KEY = 'net.ipv4.conf.all.accept_redirects';
const ARGS = `values='{"${KEY}":"0"}' file=mb-exec.conf`;

const state = async (host: string) => onHost(fleet(), host, `sysctl -n ${KEY}; cat /etc/sysctl.d/mb-exec.conf 2>&1 || true`);

beforeAll(async () => {
  for (const host of ['node1', 'node2']) {
    await fleet().exec(host, ['sh', '-c', `sysctl -q -w ${KEY}=1 && echo 'root:${ROOT_PASSWORD}' | chpasswd`]);
  }
});

describe('meshbook exec over SSH', () => {
  it('exec all -- uptime: runs on every host of the pattern; -v prints each answer', async () => {
    const inventory = await writeInventory(fleet(), workDir());
    const run = await meshbook(['exec', 'all', '-i', inventory, '-v', '--', 'uptime']);
    expectExit(run, 0);
    expect(run.stdout).toMatch(/\[node1\] .*load average/);
    expect(run.stdout).toMatch(/\[node2\] .*load average/);
    expect(run.stdout).toMatch(/node1 : ok=0 +changed=1 .*failed=0/);
  });

  it('a failing command fails its host with exit 2, naming it', async () => {
    const inventory = await writeInventory(fleet(), workDir());
    const run = await meshbook(['exec', 'node2', '-i', inventory, '--json', '--', 'sh', '-c', 'echo nope >&2; exit 3']);
    expectExit(run, 2);
    expect(recapOf(run)['node2']).toMatchObject({ failed: 1 });
  });

  it('-m sysctl with --check --diff on a fresh host shows the change and touches nothing', async () => {
    const inventory = await writeInventory(fleet(), workDir(), { sudoUser: { becomePassword: fleet().sudoUser.password } });
    const before = await state('node1');
    const run = await meshbook(['exec', 'node1', '-i', inventory, '-m', 'sysctl', '-a', ARGS, '--check', '--diff']);
    expectExit(run, 0);
    expect(run.stdout).toContain('- 1\n+ 0');
    expect(run.stdout).toContain(`+${KEY} = 0`);
    expect(await state('node1')).toBe(before);
    expect(before).toMatch(/^1\n.*No such file/s);
  });

  it('-m sysctl as the non-root user: without --become it fails, with -b (sudo) it applies, then reports no change', async () => {
    // The inventory logs in as deploy and knows its sudo password, but does not become by itself.
    const inventory = await writeInventory(fleet(), workDir(), { vars: { ansible_user: fleet().sudoUser.name, ansible_become_password: fleet().sudoUser.password } });
    const denied = await meshbook(['exec', 'node1', '-i', inventory, '-m', 'sysctl', '-a', ARGS, '--json']);
    expectExit(denied, 2);
    expect(await state('node1')).toMatch(/^1\n/);

    const applied = await meshbook(['exec', 'node1', '-i', inventory, '-m', 'sysctl', '-a', ARGS, '-b', '--json']);
    expectExit(applied, 0);
    expect(recapOf(applied)['node1']).toMatchObject({ changed: 1, failed: 0 });
    expect(await state('node1')).toBe(`0\n${KEY} = 0\n`);

    const again = await meshbook(['exec', 'node1', '-i', inventory, '-m', 'sysctl', '-a', ARGS, '-b', '--json']);
    expectExit(again, 0);
    expect(recapOf(again)['node1']).toMatchObject({ changed: 0, ok: 1 });
  });

  it("-b --become-method su with root's password applies; a wrong one is BECOME_FAILED with the password in no output", async () => {
    const vars = { ansible_user: fleet().sudoUser.name, ansible_become_password: ROOT_PASSWORD };
    const inventory = await writeInventory(fleet(), workDir(), { vars });
    const run = await meshbook(['exec', 'node2', '-i', inventory, '-m', 'sysctl', '-a', ARGS, '-b', '--become-method', 'su', '--json']);
    expectExit(run, 0);
    expect(recapOf(run)['node2']).toMatchObject({ changed: 1 });
    expect(await state('node2')).toBe(`0\n${KEY} = 0\n`);

    const wrong = await writeInventory(fleet(), workDir(), { vars: { ...vars, ansible_become_password: 'wrong-su-canary' } });
    const failed = await meshbook(['exec', 'node2', '-i', wrong, '-m', 'sysctl', '-a', ARGS, '-b', '--become-method', 'su']);
    expectExit(failed, 2);
    expect(failed.stdout + failed.stderr).toContain('su to root: incorrect password');
    expect(failed.stdout + failed.stderr).not.toContain('wrong-su-canary');
  });

  it('an unknown --become-method is bad input naming the variable', async () => {
    const inventory = await writeInventory(fleet(), workDir());
    const run = await meshbook(['exec', 'node1', '-i', inventory, '-b', '--become-method', 'pbrun', '--', 'true']);
    expectExit(run, 5);
    expect(run.stderr).toContain('ansible_become_method: expected a become method (sudo, su, doas), got "pbrun"');
  });
});
