import { describe, expect, it } from 'vitest';
import { sh } from '@meshbook/engine';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';

/**
 * Issue 19, item 3: after a silent network partition the remote side notices the dead controller
 * within a bounded time. The host's network goes silent (its link down: no reset, nothing arrives):
 * the lock's holder hears no heartbeat for its lease and ends, freeing the lock, long before TCP
 * or sshd would notice (about two hours with the defaults).
 */
const fleet = useFleet({ hosts: 1 });

const lockFree = async () => (await fleet().exec('node1', ['flock', '-n', '/run/lock/meshbook.lock', 'true'])).exitCode === 0;

describe('the host lock lease (issue 19, item 3)', () => {
  it('a controller gone silent loses the lock on the host within the lease', async () => {
    const transport = await connectSsh(fleetSshOptions(fleet(), 'node1', { hostLock: { runId: 'lease', holder: 'controller=test', waitMs: 0, leaseMs: 3000 }, keepaliveIntervalMs: 60_000 }));
    const route = (await fleet().exec('node1', ['ip', 'route', 'show', 'default'])).stdout.trim();
    try {
      expect((await transport.run(sh`echo locked`)).stdout).toBe('locked\n');
      // Heartbeats keep it past several leases.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect(await lockFree()).toBe(false);
      await fleet().exec('node1', ['ip', 'link', 'set', 'eth0', 'down']);
      // The connection stays open (no RST on a downed link): only the lease ending frees the lock; vitest's timeout bounds the wait.
      while (!(await lockFree())) await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      await fleet().exec('node1', ['ip', 'link', 'set', 'eth0', 'up']);
      if (route) await fleet().exec('node1', ['sh', '-c', `ip route replace ${route}`]);
      await transport.close();
    }
  });
});
