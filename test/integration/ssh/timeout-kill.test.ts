import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshbookError, secret, sh } from '@meshbook/engine';
import { connectSsh, type SshTransport } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';
import { caught } from '../support/caught.js';

/**
 * Issue 19, item 9: a timed-out command is killed through its own session, not through a new
 * channel that sshd's MaxSessions can refuse; and the kill takes the command's whole tree, daemons
 * that left its process group (setsid, a double fork) included.
 */
const fleet = useFleet({ hosts: 1 });


/** The host's processes whose command line matches `pattern` (pgrep -f), by pid. */
async function processes(pattern: string): Promise<string[]> {
  const result = await fleet().exec('node1', ['pgrep', '-f', pattern]);
  return result.stdout.split('\n').filter(Boolean);
}

async function settled(pattern: string): Promise<string[]> {
  // The kill is done when the session closed; give the kernel a moment to reap.
  for (let i = 0; i < 20 && (await processes(pattern)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  return processes(pattern);
}

/** sshd re-executes itself on reload: a connection in that moment is dropped before the handshake. */
async function connectAfterReload(): Promise<SshTransport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectSsh(fleetSshOptions(fleet(), 'node1'));
    } catch (error) {
      if (attempt >= 20 || !(error instanceof MeshbookError) || error.code !== 'UNREACHABLE') throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('a timed-out command on a host that allows one session per connection (MaxSessions 1)', () => {
  let transport: SshTransport;
  beforeAll(async () => {
    await fleet().exec('node1', ['sh', '-c', 'echo "MaxSessions 1" > /etc/ssh/sshd_config.d/05-max-sessions.conf && systemctl reload ssh']);
    transport = await connectAfterReload();
  });
  afterAll(async () => {
    await transport?.close();
    await fleet().exec('node1', ['sh', '-c', 'rm -f /etc/ssh/sshd_config.d/05-max-sessions.conf && systemctl reload ssh']);
  });

  it('is killed through its own session: no second channel is needed, and the next command runs', async () => {
    // Long enough that a loaded machine has run the echo before the timeout: its output is asserted.
    const error = await caught(transport.run(sh`echo started; sleep 1101`, { timeoutMs: 3000 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.stdout).toBe('started\n');
    expect(await settled('sleep 1101')).toEqual([]);
    expect((await transport.run(sh`echo after`)).stdout).toBe('after\n');
  });
});

describe('a timed-out command that started daemons', () => {
  let transport: SshTransport;
  beforeAll(async () => {
    transport = await connectAfterReload();
  });
  afterAll(async () => {
    await transport?.close();
  });

  it('is killed with a setsid child and a double-forked one: nothing of it is left', async () => {
    const error = await caught(transport.run(sh`setsid sleep 1102 & (setsid sh -c 'sleep 1103 & :' &); sleep 1104`, { timeoutMs: 700 }));
    expect(error.code).toBe('TIMEOUT');
    for (const pattern of ['sleep 1102', 'sleep 1103', 'sleep 1104']) expect(await settled(pattern)).toEqual([]);
  });

  it('the same as root through sudo', async () => {
    const { name, password } = fleet().sudoUser;
    const deploy = await connectSsh(fleetSshOptions(fleet(), 'node1', { user: name, becomePassword: secret(password) }));
    try {
      const error = await caught(deploy.run(sh`setsid sleep 1105 & sleep 1106`, { become: true, timeoutMs: 700 }));
      expect(error.code).toBe('TIMEOUT');
      for (const pattern of ['sleep 1105', 'sleep 1106']) expect(await settled(pattern)).toEqual([]);
      expect((await deploy.run(sh`id -u`, { become: true })).stdout).toBe('0\n');
    } finally {
      await deploy.close();
    }
  });

  it('a command that finished leaves its daemons alone', async () => {
    expect((await transport.run(sh`setsid sleep 1107 >/dev/null 2>&1 &`)).exitCode).toBe(0);
    expect((await transport.run(sh`echo next`)).stdout).toBe('next\n');
    expect(await processes('sleep 1107')).toHaveLength(1);
    await fleet().exec('node1', ['pkill', '-f', 'sleep 1107']);
  });
});
