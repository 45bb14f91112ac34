import { describe, expect, it } from 'vitest';
import { useFleet } from '../support/fleet.js';
import { expectExit, runPlaybook, useWorkDir, writeInventory } from './harness.js';

/**
 * Issue 19, item 10 (part): `ansible_ssh_common_args: -o StrictHostKeyChecking=no` turns host key
 * checking off, for the bastion too. meshbook honours it, but never silently: the run says so.
 */
const fleet = useFleet({ hosts: 1 });
const workDir = useWorkDir();

describe('host key checking turned off by ssh arguments', () => {
  it('is honoured, and every host it applies to gets a warning naming the key not checked', async () => {
    const inventory = await writeInventory(fleet(), workDir(), {
      vars: { ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null', meshbook_known_hosts_file: '/nonexistent/known_hosts' },
    });
    const run = await runPlaybook('steps.ts', inventory, ['-e', 'tag=keyoff']);
    expectExit(run, 0);
    const warnings = run.events.filter((e) => e.type === 'warning').map((e) => (e.type === 'warning' ? `${e.host ?? ''} ${e.message}` : ''));
    expect(warnings.some((w) => /^node1 host key checking is off for node1 .*was not checked/.test(w)), warnings.join('\n')).toBe(true);
  });
});
