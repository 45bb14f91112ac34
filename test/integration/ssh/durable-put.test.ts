import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshTransport } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';

/**
 * Issue 19, item 7: put is durable as well as atomic. A power cut cannot be staged in a container,
 * so the test records what put asks the host for: a `sync` shim ahead of coreutils' on PATH logs
 * its arguments. The temp file must be synced before the rename, and its directory after it (the
 * rename itself lives in the directory).
 */
const fleet = useFleet({ hosts: 1 });
let transport: SshTransport;

beforeAll(async () => {
  const shim = ['#!/bin/sh', 'echo "$*" >> /root/sync.log', 'exec /bin/sync "$@"'];
  await fleet().exec('node1', ['sh', '-c', 'printf "%s\\n" "$@" > /usr/local/bin/sync && chmod +x /usr/local/bin/sync', 'sh', ...shim]);
  transport = await connectSsh(fleetSshOptions(fleet(), 'node1'));
});
afterAll(async () => {
  await transport?.close();
});

describe('put is durable (issue 19, item 7)', () => {
  it('syncs the temp file before the rename and the directory after it', async () => {
    await fleet().exec('node1', ['rm', '-f', '/root/sync.log']);
    await transport.put('/etc/meshbook-durable.conf', 'durable\n');
    const log = (await fleet().exec('node1', ['cat', '/root/sync.log'])).stdout;
    expect(log).toMatch(/^-- \/etc\/\.meshbook-durable\.conf\.meshbook-[0-9a-f]+\n-- \/etc\n$/);
    expect((await fleet().exec('node1', ['cat', '/etc/meshbook-durable.conf'])).stdout).toBe('durable\n');
  });
});
