import { readFile } from 'node:fs/promises';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { ensureImage, removeStaleFleets, startFleet } from '@meshbook/fleet';
import { useFleet } from './support/fleet.js';
import { sshRun } from './support/ssh.js';

describe('a fleet of systemd hosts', () => {
  const fleet = useFleet({ hosts: 3, smallDiskHost: ['node3'] });

  it('lists the hosts in the order asked for, each on its own loopback port', () => {
    expect(fleet().hosts.map((h) => h.name)).toEqual(['node1', 'node2', 'node3']);
    expect(new Set(fleet().hosts.map((h) => h.port)).size).toBe(3);
    for (const host of fleet().hosts) expect(host.address).toBe('127.0.0.1');
  });

  it('runs systemd as PID 1, fully booted', async () => {
    for (const host of fleet().hosts) {
      const state = await fleet().exec(host.name, ['systemctl', 'is-system-running']);
      expect(state.stdout.trim(), host.name).toBe('running');
      const pid1 = await fleet().exec(host.name, ['cat', '/proc/1/comm']);
      expect(pid1.stdout.trim()).toBe('systemd');
    }
  });

  it('gives every host its own host keys and records them in known_hosts', async () => {
    const ed25519Keys = fleet().hosts.map((h) => h.knownHostsLines.find((l) => l.includes(' ssh-ed25519 ')));
    expect(new Set(ed25519Keys).size).toBe(3);
    const knownHosts = await readFile(fleet().knownHostsPath, 'utf8');
    for (const host of fleet().hosts) {
      for (const line of host.knownHostsLines) expect(knownHosts).toContain(line);
      const onHost = await fleet().exec(host.name, ['sh', '-c', 'cat /etc/ssh/ssh_host_ed25519_key.pub']);
      expect(host.knownHostsLines.join('\n')).toContain(onHost.stdout.split(' ')[1]);
    }
  });

  it('lets root in with the fleet key, checking the host key', async () => {
    const result = await sshRun(fleet(), fleet().host('node1'), 'id -u; hostname');
    expect(result).toMatchObject({ exitCode: 0, stdout: '0\nnode1\n' });
  });

  it('refuses a host key the fleet did not record', async () => {
    const wrongKeys = fleet().host('node2').knownHostsLines.map((line) => line.split(' ')[2] ?? '');
    await expect(sshRun(fleet(), fleet().host('node1'), 'true', { trustedKeys: wrongKeys })).rejects.toThrow();
  });

  it('connects hosts to each other by bridge IP', async () => {
    const result = await fleet().exec('node1', ['ping', '-c', '1', '-W', '2', fleet().host('node2').ip]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  });

  it('has a sudo user whose sudo asks for the password', async () => {
    const { name, password } = fleet().sudoUser;
    const host = fleet().host('node1');
    const noPassword = await sshRun(fleet(), host, 'sudo -n true', { user: name });
    expect(noPassword.exitCode).not.toBe(0);
    expect(noPassword.stderr).toContain('password is required');
    const withPassword = await sshRun(fleet(), host, "sudo -S -p '' id -u", { user: name, stdin: `${password}\n` });
    expect(withPassword).toMatchObject({ exitCode: 0, stdout: '0\n' });
    const wrongPassword = await sshRun(fleet(), host, "sudo -S -p '' id -u", { user: name, stdin: 'wrong\n' });
    expect(wrongPassword.exitCode).not.toBe(0);
  });

  it('execs with stdin and as another user, outside SSH', async () => {
    const result = await fleet().exec('node2', ['sh', '-c', 'id -un; cat'], { user: 'deploy', stdin: 'line one\nline two' });
    expect(result).toEqual({ stdout: 'deploy\nline one\nline two', stderr: '', exitCode: 0 });
    const failing = await fleet().exec('node2', ['sh', '-c', 'echo oops >&2; exit 7']);
    expect(failing).toEqual({ stdout: '', stderr: 'oops\n', exitCode: 7 });
  });

  it('mounts a small disk on the hosts that asked for one', async () => {
    const fill = await fleet().exec('node3', ['sh', '-c', 'dd if=/dev/zero of=/mnt/small/fill bs=1M count=20']);
    expect(fill.exitCode).not.toBe(0);
    expect(fill.stderr).toContain('No space left on device');
    const absent = await fleet().exec('node1', ['mountpoint', '-q', '/mnt/small']);
    expect(absent.exitCode).not.toBe(0);
  });

  it('pauses and unpauses a host', async () => {
    const host = fleet().host('node2');
    await fleet().pause('node2');
    try {
      await expect(sshRun(fleet(), host, 'true', { readyTimeoutMs: 1500 })).rejects.toThrow();
    } finally {
      await fleet().unpause('node2');
    }
    expect((await sshRun(fleet(), host, 'echo back')).stdout).toBe('back\n');
  });

  it('disconnects and reconnects a host', async () => {
    const node1 = fleet().host('node1');
    await fleet().disconnect('node1');
    try {
      const ping = await fleet().exec('node2', ['ping', '-c', '1', '-W', '1', node1.ip]);
      expect(ping.exitCode).not.toBe(0);
      await expect(sshRun(fleet(), node1, 'true', { readyTimeoutMs: 1500 })).rejects.toThrow();
    } finally {
      await fleet().reconnect('node1');
    }
    const ping = await fleet().exec('node2', ['ping', '-c', '1', '-W', '2', node1.ip]);
    expect(ping.exitCode).toBe(0);
    expect((await sshRun(fleet(), node1, 'echo back')).stdout).toBe('back\n');
  });

  it('stops and starts a host, keeping known_hosts in step with its port', async () => {
    await fleet().stop('node2');
    const stopped = fleet().host('node2');
    await expect(sshRun(fleet(), stopped, 'true', { readyTimeoutMs: 1500 })).rejects.toThrow();
    await fleet().start('node2');
    const host = fleet().host('node2');
    expect(host.knownHostsLines.every((line) => line.startsWith(`[127.0.0.1]:${host.port} `))).toBe(true);
    expect(await readFile(fleet().knownHostsPath, 'utf8')).toContain(host.knownHostsLines[0]);
    expect((await fleet().exec('node2', ['systemctl', 'is-system-running'])).stdout.trim()).toBe('running');
    expect((await sshRun(fleet(), host, 'hostname')).stdout).toBe('node2\n');
  });

  it('regenerates host keys without updating known_hosts', async () => {
    const host = fleet().host('node3');
    const before = await readFile(fleet().knownHostsPath, 'utf8');
    await fleet().regenerateHostKeys('node3');
    const onHost = await fleet().exec('node3', ['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
    expect(host.knownHostsLines.join('\n')).not.toContain(onHost.stdout.split(' ')[1]);
    expect(await readFile(fleet().knownHostsPath, 'utf8')).toBe(before);
    await expect(sshRun(fleet(), host, 'true')).rejects.toThrow();
  });

  it('grows and shrinks', async () => {
    const added = await fleet().addHost('extra');
    expect(fleet().hosts.map((h) => h.name)).toContain('extra');
    expect(await readFile(fleet().knownHostsPath, 'utf8')).toContain(added.knownHostsLines[0]);
    const ping = await fleet().exec('node1', ['ping', '-c', '1', '-W', '2', added.ip]);
    expect(ping.exitCode).toBe(0);
    await fleet().removeHost('extra');
    expect(() => fleet().host('extra')).toThrow(/no host extra/);
    expect(await readFile(fleet().knownHostsPath, 'utf8')).not.toContain(added.knownHostsLines[0]);
    await expect(new Docker().getContainer(added.containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('starting a fleet', () => {
  it('refuses bad or duplicate host names before creating anything', async () => {
    await expect(startFleet({ hosts: ['Node 1'] })).rejects.toThrow(/invalid host name/);
    await expect(startFleet({ hosts: ['a', 'a'] })).rejects.toThrow(/duplicate host names/);
  });
});

describe('destroying a fleet', () => {
  it('removes its containers and network, and can be called twice', async () => {
    const fleet = await startFleet({ hosts: 1 });
    const docker = new Docker();
    const byLabel = { filters: { label: [`meshbook.fleet=${fleet.id}`] } };
    expect(await docker.listContainers({ all: true, ...byLabel })).toHaveLength(1);
    await fleet.destroy();
    await fleet.destroy();
    expect(await docker.listContainers({ all: true, ...byLabel })).toHaveLength(0);
    expect(await docker.listNetworks(byLabel)).toHaveLength(0);
  });
});

describe('removeStaleFleets', () => {
  it('removes test fleets whose process is gone, and nothing else', async () => {
    const docker = new Docker();
    const image = await ensureImage();
    const deadPid = '4194305'; // above Linux's pid_max: no process has it
    const fleetId = `stale-check-${process.pid}`;
    const make = (name: string, purpose: string, pid: string) =>
      docker.createContainer({
        Image: image,
        name: `meshbook-${name}-${process.pid}`,
        Labels: {
          'meshbook.fleet': `${fleetId}-${name}`,
          'meshbook.purpose': purpose,
          'meshbook.created': String(Date.now()),
          'meshbook.owner-pid': pid,
          'meshbook.owner-host': hostname(),
        },
      });
    const crashed = await make('crashed', 'test', deadPid);
    const live = await make('live', 'test', String(process.pid));
    const lab = await make('lab', 'lab', deadPid);
    try {
      await removeStaleFleets();
      await expect(crashed.inspect()).rejects.toMatchObject({ statusCode: 404 });
      await expect(live.inspect()).resolves.toBeDefined();
      await expect(lab.inspect()).resolves.toBeDefined();
    } finally {
      await Promise.all([crashed, live, lab].map((c) => c.remove({ force: true }).catch(() => {})));
    }
  });
});
