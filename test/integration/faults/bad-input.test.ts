import { describe, expect, it } from 'vitest';
import { useFleet } from '../support/fleet.js';
import { acceptedLogins, expectExit, fixture, onHost, resultsOf, runPlaybook, useWorkDir, writeInventory } from './harness.js';

/**
 * Issue 8, cases 11 and 12: an invalid parameter anywhere in a playbook stops it before any host
 * is contacted (proved by the hosts' sshd journals), with the play, task, field and expected
 * value; a template's undefined variable names the variable and the template.
 */
const fleet = useFleet({ hosts: 2 });
const workDir = useWorkDir();
const HOSTS = ['node1', 'node2'];

describe('bad input', () => {
  it('11. an invalid parameter in the second play: a zod error naming play, task, field and expected value, exit 5, no SSH session opened anywhere', async () => {
    const inventory = await writeInventory(fleet(), workDir());
    const before = await Promise.all(HOSTS.map((h) => acceptedLogins(fleet(), h)));
    for (const args of [[], ['--check'], ['--json']]) {
      const run = await runPlaybook('bad-params.ts', inventory, args);
      expectExit(run, 5);
      expect(run.stderr).toContain('playbook "bad-params" has 1 problem');
      expect(run.stderr).toMatch(/plays\[1\] "second play" tasks\[1\] "set a mode": mode: .*octal mode such as '0644'/);
      expect(run.stderr).toMatch(/nothing was run on any host/);
      expect(run.events.filter((e) => e.type === 'host.result')).toEqual([]);
    }
    expect(await Promise.all(HOSTS.map((h) => acceptedLogins(fleet(), h)))).toEqual(before);
    for (const host of HOSTS) expect(await onHost(fleet(), host, 'ls /root/bad-params.* 2>&1')).toMatch(/No such file/);
  });

  it('11. an invalid extra var against a schema, and a bad --limit, are refused the same way', async () => {
    const inventory = await writeInventory(fleet(), workDir());
    const before = await Promise.all(HOSTS.map((h) => acceptedLogins(fleet(), h)));
    const limit = await runPlaybook('steps.ts', inventory, ['--limit', 'no-such-host']);
    expectExit(limit, 5);
    expect(limit.stderr).toMatch(/no-such-host/);
    const flag = await runPlaybook('steps.ts', inventory, ['--forks', '0']);
    expectExit(flag, 5);
    expect(await Promise.all(HOSTS.map((h) => acceptedLogins(fleet(), h)))).toEqual(before);
  });

  it('12. a template with an undefined variable: an error naming the variable and the template, the destination untouched', async () => {
    await onHost(fleet(), 'node1', `printf 'old motd\\n' > /root/motd`);
    const run = await runPlaybook('undefined-var.ts', await writeInventory(fleet(), workDir(), { hosts: ['node1'] }));
    expectExit(run, 2);
    const error = resultsOf(run, 'render motd')['node1']!.error!;
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toBe(`template ${fixture('motd.hbs')}: undefined variable "owner" at line 2, column 28`);
    expect(error.hint).toMatch(/add "owner" to the template's vars/);
    expect(await onHost(fleet(), 'node1', 'cat /root/motd')).toBe('old motd\n');
  });
});
