import { getEventListeners } from 'node:events';
import { createServer } from 'node:net';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport, secret, sh } from '@meshbook/engine';
import type { Fleet } from '@meshbook/fleet';
import type { HostLockRequest } from '../../../packages/engine/src/transport/host-lock.js';
import { connectSsh, type SshTransport, type SshTransportOptions } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';
import { caught } from '../support/caught.js';


/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('SSH transport on real hosts', () => {
  const fleet = useFleet({ hosts: 2 });
  let root: SshTransport;

  beforeAll(async () => {
    root = await connectSsh(fleetSshOptions(fleet(), 'node1'));
  });
  afterAll(async () => {
    await root?.close();
  });

  it('runs commands with stdout, stderr and exit codes kept apart, and survives exit 3', async () => {
    const result = await root.run(sh`echo out; echo err >&2; exit 3`);
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
    expect((await root.run(sh`hostname`)).stdout).toBe('node1\n');
    expect((await root.run(sh`printf %s ${"quote ' $(id) `x`"}`)).stdout).toBe("quote ' $(id) `x`");
  });

  it('gives each command its own stdin, so a command that reads stdin does not eat the protocol', async () => {
    const cat = await root.run(sh`cat; echo cat-done`);
    expect(cat.stdout).toBe('cat-done\n');
    const fed = await root.run(sh`cat; echo; wc -c`, { stdin: 'line one\nline two' });
    expect(fed.stdout).toBe('line one\nline two\n0\n');
    const withSecret = await root.run(sh`cat`, { stdin: secret('stdin-canary-7f3a') });
    expect(withSecret.stdout).toBe('stdin-canary-7f3a');
    expect((await root.run(sh`echo next`)).stdout).toBe('next\n');
  });

  it('applies cwd and env per command and streams output', async () => {
    const chunks: string[] = [];
    const result = await root.run(sh`pwd; echo "$GREETING"`, { cwd: '/etc', env: { GREETING: 'hi there' }, onOutput: (c) => chunks.push(c) });
    expect(result.stdout).toBe('/etc\nhi there\n');
    expect(chunks.join('')).toBe(result.stdout);
    expect((await root.run(sh`echo "\${GREETING-unset}"`)).stdout).toBe('unset\n');
  });

  it('reports a command that kills its own shell, and carries on with a fresh session', async () => {
    const error = await caught(root.run(sh`echo before; kill -9 $$`));
    expect(error.code).toBe('COMMAND_FAILED');
    expect(error.stdout).toBe('before\n');
    expect((await root.run(sh`echo after`)).stdout).toBe('after\n');
  });

  it('puts files atomically with mode and owner, and gets them back', async () => {
    const content = Buffer.concat([Buffer.from('binary:'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
    await root.put('/etc/meshbook-test.bin', content, { mode: 0o640, owner: 'root', group: 'adm' });
    expect((await fleet().exec('node1', ['stat', '-c', '%a %U %G %s', '/etc/meshbook-test.bin'])).stdout.trim()).toBe(`640 root adm ${content.length}`);
    expect((await root.get('/etc/meshbook-test.bin')).equals(content)).toBe(true);
    const large = Buffer.alloc(2 * 1024 * 1024, 'meshbook ');
    await root.put('/tmp/large.txt', large);
    const back = await root.get('/tmp/large.txt');
    expect(back.equals(large)).toBe(true);
    const leftovers = await fleet().exec('node1', ['sh', '-c', 'ls -a /etc /tmp | grep -F .meshbook- || true']);
    expect(leftovers.stdout).toBe('');
  });

  it('fails put and get with TRANSFER_FAILED, leaving no temp file behind', async () => {
    const put = await caught(root.put('/no/such/dir/file', 'x'));
    expect(put.code).toBe('TRANSFER_FAILED');
    const ownerError = await caught(root.put('/tmp/bad-owner', 'x', { owner: 'no-such-user' }));
    expect(ownerError.code).toBe('TRANSFER_FAILED');
    expect((await fleet().exec('node1', ['sh', '-c', 'ls -a /tmp | grep -F .meshbook- || true'])).stdout).toBe('');
    const get = await caught(root.get('/no/such/file'));
    expect(get.code).toBe('TRANSFER_FAILED');
  });

  it("runs 50 concurrent commands on one host, all succeeding, one listener on their shared signal (a run's)", async () => {
    const run = new AbortController();
    // Commands in flight and commands waiting for a session alike: one 'abort' listener in all.
    let mostListeners = 0;
    const sampler = setInterval(() => (mostListeners = Math.max(mostListeners, getEventListeners(run.signal, 'abort').length)), 5);
    let results;
    try {
      results = await Promise.all(Array.from({ length: 50 }, (_, i) => root.run(sh`sleep 0.2; echo ${i}`, { signal: run.signal })));
    } finally {
      clearInterval(sampler);
    }
    expect(mostListeners).toBe(1);
    results.forEach((result, i) => expect(result).toMatchObject({ exitCode: 0, stdout: `${i}\n` }));
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });

  it('feeds commands through the kept session: one round trip per command, the same shell every time', async () => {
    // $$ is the kept shell's pid: a new channel or shell per command would change it.
    const shell = (await root.run(sh`echo $$`)).stdout;
    const before = root.stats();
    for (let i = 0; i < 20; i++) expect((await root.run(sh`/bin/true; echo $$`)).stdout).toBe(shell);
    const after = root.stats();
    expect(after.roundTrips - before.roundTrips).toBe(20);
    expect(after.commands - before.commands).toBe(20);
  });

  it('kills the whole process group of a command past its timeout, leaving nothing behind', async () => {
    // Long enough that a loaded machine has run the echo before the timeout: its output is asserted.
    const error = await caught(root.run(sh`echo started; sleep 1001 & sleep 1002; echo never`, { timeoutMs: 3000 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.stdout).toBe('started\n');
    const ps = await fleet().exec('node1', ['ps', '-eo', 'pid,args']);
    expect(ps.stdout).not.toMatch(/sleep 100[12]/);
    expect((await root.run(sh`echo alive`)).stdout).toBe('alive\n');
  });

  it('aborts a running command on its signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await caught(root.run(sh`sleep 1003`, { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect((await fleet().exec('node1', ['ps', '-eo', 'args'])).stdout).not.toContain('sleep 1003');
  });

  it('needs no sudo to become root when the login user is root', async () => {
    const result = await root.run(sh`id -u`, { become: true });
    expect(result.stdout).toBe('0\n');
    expect((await root.run(sh`id -un`, { become: { user: 'nobody' } })).stdout).toBe('nobody\n');
  });

  describe('become with the sudo user', () => {
    let deploy: SshTransport;
    beforeAll(async () => {
      const { name, password } = fleet().sudoUser;
      deploy = await connectSsh(fleetSshOptions(fleet(), 'node1', { user: name, becomePassword: secret(password) }));
    });
    afterAll(async () => {
      await deploy?.close();
    });

    it('runs as root through one kept sudo shell, in parallel too', async () => {
      expect((await deploy.run(sh`id -un`)).stdout).toBe(`${fleet().sudoUser.name}\n`);
      const results = await Promise.all(Array.from({ length: 12 }, () => deploy.run(sh`id -u`, { become: true })));
      for (const result of results) expect(result.stdout).toBe('0\n');
    });

    it('shares a small channel budget between plain and sudo sessions', async () => {
      const { name, password } = fleet().sudoUser;
      const tight = await connectSsh(fleetSshOptions(fleet(), 'node1', { user: name, becomePassword: secret(password), maxChannels: 2 }));
      try {
        // Alternating users force the pool to close an idle session of one user to open one for
        // the other; with only two channels, a wrong budget would deadlock or exceed the limit.
        const uid = (await tight.run(sh`id -u`)).stdout;
        const results = await Promise.all(Array.from({ length: 16 }, (_, i) => tight.run(sh`sleep 0.05; id -u`, { become: i % 2 === 0 })));
        results.forEach((result, i) => expect(result.stdout).toBe(i % 2 === 0 ? '0\n' : uid));
      } finally {
        await tight.close();
      }
    });

    it('puts and gets root-owned files with become', async () => {
      await deploy.put('/root/meshbook-secret.conf', 'token=abc\n', { become: true, mode: 0o600 });
      expect((await fleet().exec('node1', ['stat', '-c', '%a %U', '/root/meshbook-secret.conf'])).stdout.trim()).toBe('600 root');
      expect((await deploy.get('/root/meshbook-secret.conf', { become: true })).toString()).toBe('token=abc\n');
      expect((await caught(deploy.get('/root/meshbook-secret.conf'))).code).toBe('TRANSFER_FAILED');
    });

    it('kills a timed-out command run as root', async () => {
      const error = await caught(deploy.run(sh`sleep 1004`, { become: true, timeoutMs: 700 }));
      expect(error.code).toBe('TIMEOUT');
      expect((await fleet().exec('node1', ['ps', '-eo', 'args'])).stdout).not.toContain('sleep 1004');
      expect((await deploy.run(sh`id -u`, { become: true })).stdout).toBe('0\n');
    });

    it('refuses a wrong sudo password with one attempt and never shows it', async () => {
      const wrong = await connectSsh(fleetSshOptions(fleet(), 'node1', { user: fleet().sudoUser.name, becomePassword: secret('wrong-password-canary') }));
      try {
        const errors = await Promise.all(Array.from({ length: 4 }, () => caught(wrong.run(sh`id -u`, { become: true }))));
        for (const error of errors) {
          expect(error.code).toBe('BECOME_FAILED');
          expect(error.message).toContain('incorrect password');
          expect(error.describe()).not.toContain('wrong-password-canary');
        }
        // The failed attempt does not break the connection for plain commands.
        expect((await wrong.run(sh`echo plain`)).stdout).toBe('plain\n');
      } finally {
        await wrong.close();
      }
      // sudo logs "1 incorrect password attempt" once per try: four parallel commands made one.
      let attempts = '';
      for (let i = 0; i < 20 && attempts !== '1'; i++) {
        attempts = (await fleet().exec('node1', ['sh', '-c', 'journalctl -q --no-pager _COMM=sudo 2>/dev/null | grep -c "incorrect password" || true'])).stdout.trim();
        if (attempts !== '1') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(attempts).toBe('1');
    });

    it('says when sudo needs a password that was not given', async () => {
      const none = await connectSsh(fleetSshOptions(fleet(), 'node1', { user: fleet().sudoUser.name }));
      try {
        const error = await caught(none.run(sh`id -u`, { become: true }));
        expect(error.code).toBe('BECOME_FAILED');
        expect(error.message).toContain('needs a password');
      } finally {
        await none.close();
      }
    });
  });

  describe('the host lock, held by a shell of its own', () => {
    const request = (runId: string, waitMs = 0): HostLockRequest => ({ runId, holder: `controller=test pid=${runId} started=now`, waitMs });
    const lockedConnect = (runId: string, waitMs = 0, extra: Partial<SshTransportOptions> = {}) =>
      connectSsh(fleetSshOptions(fleet(), 'node1', { hostLock: request(runId, waitMs), ...extra }));
    /** Pids of the processes on node1 with the lock file open (the holding shell). */
    const lockHolders = async () =>
      (await fleet().exec('node1', ['sh', '-c', 'find /proc/[0-9]*/fd -lname /run/lock/meshbook.lock 2>/dev/null | cut -d/ -f3 | sort -u'])).stdout.split('\n').filter(Boolean);
    /** Another run asking for the lock: it must be refused while this one holds it. */
    const intruder = () => caught(lockedConnect('intruder'));

    it('opens the lock\'s shell and a shell for commands at once on connect, none more for lockHost of the same run', async () => {
      const locked = await lockedConnect('rt');
      try {
        expect(await locked.lockHost(request('rt'))).toEqual({ state: 'held' });
        expect(locked.stats().roundTrips).toBe(2);
        const refused = await intruder();
        expect(refused.code).toBe('HOST_LOCKED');
        expect(refused.message).toBe('node1 is locked by another meshbook run (controller=test pid=rt started=now); gave up after waiting 0 s');
        expect((await locked.run(sh`echo on the holder`)).stdout).toBe('on the holder\n');
      } finally {
        await locked.close();
      }
      // Connected without it, lockHost takes it on a new kept shell: one round trip.
      const late = await connectSsh(fleetSshOptions(fleet(), 'node1'));
      try {
        expect(await late.lockHost(request('late', 5000))).toEqual({ state: 'held' });
        expect(late.stats().roundTrips).toBe(2);
        expect((await intruder()).code).toBe('HOST_LOCKED');
      } finally {
        await late.close();
      }
    });

    it('lets no process a command started keep the lock after the transport closes', async () => {
      const locked = await lockedConnect('background');
      await locked.run(sh`sleep 60 &`);
      await locked.close();
      // The sleep outlives the wait by 50 s: held proves it does not keep the lock.
      const next = await lockedConnect('after-background', 10_000);
      try {
        expect(await next.lockHost(request('after-background', 10_000))).toEqual({ state: 'held' });
        expect((await fleet().exec('node1', ['pgrep', '-xf', 'sleep 60'])).stdout).not.toBe('');
      } finally {
        await next.close();
        await fleet().exec('node1', ['pkill', '-xf', 'sleep 60']);
      }
    });

    it('a command\'s timeout never touches the lock: its holder runs nothing else (issue 19, item 3)', async () => {
      const locked = await lockedConnect('timeout');
      try {
        const holders = await lockHolders();
        expect(holders).toHaveLength(1);
        expect((await caught(locked.run(sh`sleep 1005`, { timeoutMs: 700 }))).code).toBe('TIMEOUT');
        expect(await lockHolders()).toEqual(holders);
        expect((await locked.run(sh`echo after`)).stdout).toBe('after\n');
        // The same holder all along: nothing was taken again.
        expect(await lockHolders()).toEqual(holders);
        expect((await intruder()).code).toBe('HOST_LOCKED');
      } finally {
        await locked.close();
      }
    });

    it('a holder killed on the host fails every later command with HOST_LOCKED, never a silent re-take (issue 19, item 3)', async () => {
      const locked = await lockedConnect('lost');
      try {
        expect((await locked.run(sh`echo before`)).stdout).toBe('before\n');
        const [holder] = await lockHolders();
        await fleet().exec('node1', ['kill', '-9', holder!]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (const command of [sh`echo one`, sh`echo two`]) {
          const error = await caught(locked.run(command));
          expect(error.code).toBe('HOST_LOCKED');
          expect(error.message).toMatch(/host lock ended/);
        }
        expect(await lockHolders()).toEqual([]);
        const patient = await lockedConnect('patient', 5000);
        try {
          expect((await patient.run(sh`echo mine`)).stdout).toBe('mine\n');
        } finally {
          await patient.close();
        }
      } finally {
        await locked.close();
      }
    });

    it('keeps the holder on a connection full of sessions of other users', async () => {
      const locked = await lockedConnect('full', 0, { maxChannels: 2 });
      try {
        const holders = await lockHolders();
        expect(holders).toHaveLength(1);
        const users = [undefined, 'nobody', 'daemon'] as const;
        const results = await Promise.all(
          Array.from({ length: 18 }, (_, i) => locked.run(sh`sleep 0.05; id -un`, users[i % 3] ? { become: { user: users[i % 3]! } } : {})),
        );
        results.forEach((result, i) => expect(result.stdout).toBe(`${users[i % 3] ?? 'root'}\n`));
        expect(await lockHolders()).toEqual(holders);
        expect((await intruder()).code).toBe('HOST_LOCKED');
      } finally {
        await locked.close();
      }
    });

    it('frees the lock when the connection dies while a command runs (a crashed controller)', async () => {
      const locked = await lockedConnect('crash');
      try {
        // $PPID of the kept shell: the sshd process serving this connection.
        const sshd = (await locked.run(sh`echo $PPID`)).stdout.trim();
        const running = caught(locked.run(sh`sleep 1008`));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await fleet().exec('node1', ['kill', '-9', sshd]);
        expect((await running).code).toBe('UNREACHABLE');
        // The command outlives the wait by far: getting the lock proves the dead connection freed it.
        const next = await lockedConnect('after-crash', 10_000);
        await next.close();
        // The command itself outlives its connection, as any command of a crashed controller.
        expect((await fleet().exec('node1', ['pgrep', '-xf', 'sleep 1008'])).stdout).not.toBe('');
      } finally {
        await locked.close();
        await fleet().exec('node1', ['pkill', '-xf', 'sleep 1008']);
      }
    });
  });

  describe('connection failures', () => {
    it('reports a closed port as UNREACHABLE', async () => {
      const error = await caught(connectSsh(fleetSshOptions(fleet(), 'node1', { port: await closedPort() })));
      expect(error.code).toBe('UNREACHABLE');
      expect(error.message).toContain('ECONNREFUSED');
    });

    it('reports a user the key does not open as AUTH_FAILED', async () => {
      const error = await caught(connectSsh(fleetSshOptions(fleet(), 'node1', { user: 'nobody-here' })));
      expect(error.code).toBe('AUTH_FAILED');
      expect(error.message).toContain('publickey');
    });

    it('authenticates with a password, and refuses a wrong one as AUTH_FAILED without showing it', async () => {
      const { name, password } = fleet().sudoUser;
      // The fleet's image turns password logins off; sshd takes the first value it reads, so an
      // earlier drop-in turns them back on for this host.
      const enable = await fleet().exec('node1', ['sh', '-c', 'echo "PasswordAuthentication yes" > /etc/ssh/sshd_config.d/05-password.conf && systemctl reload ssh']);
      expect(enable.exitCode, enable.stderr).toBe(0);
      // sshd re-executes itself on reload and resets connections that arrive meanwhile.
      const withPassword = await retryWhileUnreachable(() =>
        connectSsh(fleetSshOptions(fleet(), 'node1', { user: name, privateKeyFile: undefined, password: secret(password) })),
      );
      try {
        expect((await withPassword.run(sh`id -un`)).stdout).toBe(`${name}\n`);
      } finally {
        await withPassword.close();
      }
      const error = await caught(connectSsh(fleetSshOptions(fleet(), 'node1', { user: name, privateKeyFile: undefined, password: secret('wrong-login-canary') })));
      expect(error.code).toBe('AUTH_FAILED');
      expect(error.describe()).not.toContain('wrong-login-canary');
    });

    it('resolves a Host alias through an ssh config file (HostName, Port, User, IdentityFile)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'meshbook-ssh-'));
      const sshConfigFile = join(dir, 'config');
      const node1 = fleet().host('node1');
      await writeFile(sshConfigFile, `Host fleet-node1\n  HostName 127.0.0.1\n  Port ${node1.port}\n  User root\n  IdentityFile ${fleet().privateKeyPath}\n`);
      const viaConfig = await connectSsh({ host: 'node1', address: 'fleet-node1', sshConfigFile, knownHostsFile: fleet().knownHostsPath, agent: false });
      try {
        expect((await viaConfig.run(sh`hostname`)).stdout).toBe('node1\n');
      } finally {
        await viaConfig.close();
      }
    });

    it('opens a host through createTransport from an inventory connection spec', async () => {
      const node1 = fleet().host('node1');
      const transport = await createTransport('node1', {
        connection: 'ssh',
        address: node1.address,
        port: node1.port,
        user: 'root',
        privateKeyFile: fleet().privateKeyPath,
        password: undefined,
        become: undefined,
        becomePassword: undefined,
        becomeMethod: undefined,
        hostKeyPolicy: 'strict',
        knownHostsFile: fleet().knownHostsPath,
        proxyJump: undefined,
        connectTimeoutMs: 5000,
      });
      try {
        expect(transport.kind).toBe('ssh');
        expect((await transport.run(sh`hostname`)).stdout).toBe('node1\n');
      } finally {
        await transport.close();
      }
    });

    it('refuses an unknown host under strict and adds it under accept-new, saying so', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'meshbook-ssh-'));
      const knownHostsFile = join(dir, 'known_hosts');
      const unknown = await caught(connectSsh(fleetSshOptions(fleet(), 'node1', { knownHostsFile })));
      expect(unknown.code).toBe('HOST_KEY_UNKNOWN');
      expect(unknown.message).toMatch(/SHA256:[A-Za-z0-9+/]{43}\b/);
      const notices: string[] = [];
      const accepted = await connectSsh(fleetSshOptions(fleet(), 'node1', { knownHostsFile, hostKeyPolicy: 'accept-new', onNotice: (m) => notices.push(m) }));
      await accepted.close();
      expect(notices).toHaveLength(1);
      expect(accepted.notices).toEqual(notices);
      expect(await readFile(knownHostsFile, 'utf8')).toContain(`[127.0.0.1]:${fleet().host('node1').port} ssh-ed25519 `);
      const again = await connectSsh(fleetSshOptions(fleet(), 'node1', { knownHostsFile }));
      await again.close();
    });

    it('reaches a host through a bastion (ProxyJump)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'meshbook-ssh-'));
      const knownHostsFile = join(dir, 'known_hosts');
      await copyFile(fleet().knownHostsPath, knownHostsFile);
      const node2 = fleet().host('node2');
      const through = await connectSsh({
        ...fleetSshOptions(fleet(), 'node2', { knownHostsFile, hostKeyPolicy: 'accept-new' }),
        address: node2.ip,
        port: 22,
        proxyJump: `root@127.0.0.1:${fleet().host('node1').port}`,
      });
      try {
        expect((await through.run(sh`hostname`)).stdout).toBe('node2\n');
      } finally {
        await through.close();
      }
    });

    it('refuses a changed host key with the fingerprint and the fix', async () => {
      await fleet().regenerateHostKeys('node2');
      const error = await caught(connectSsh(fleetSshOptions(fleet(), 'node2', { hostKeyPolicy: 'accept-new' })));
      expect(error.code).toBe('HOST_KEY_MISMATCH');
      expect(error.message).toMatch(/SHA256:[A-Za-z0-9+/]{43}\b/);
      expect(error.hint).toContain(`ssh-keygen -R '[127.0.0.1]:${fleet().host('node2').port}' -f ${fleet().knownHostsPath}`);
    });

    it('reports a host that goes away as UNREACHABLE, for a running command and for a new connection', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'meshbook-ssh-'));
      const knownHostsFile = join(dir, 'known_hosts');
      await writeFile(knownHostsFile, '');
      const node2 = await connectSsh(fleetSshOptions(fleet(), 'node2', { knownHostsFile, hostKeyPolicy: 'accept-new', keepaliveIntervalMs: 1000 }));
      const running = caught(node2.run(sh`sleep 60`));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await fleet().stop('node2');
      const during = await running;
      expect(during.code).toBe('UNREACHABLE');
      expect((await caught(node2.run(sh`true`))).code).toBe('UNREACHABLE');
      await node2.close();
      const error = await caught(connectSsh(fleetSshOptions(fleet(), 'node2', { knownHostsFile, connectTimeoutMs: 3000 })));
      expect(error.code).toBe('UNREACHABLE');
    });
  });
});

/** Retries while the host is briefly unreachable (sshd restarting), for up to ~5 s. */
async function retryWhileUnreachable<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 25 || (error as { code?: string }).code !== 'UNREACHABLE') throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
