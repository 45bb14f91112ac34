import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sh } from '@meshbook/engine';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { useFleet } from '../support/fleet.js';
import { caught } from '../support/caught.js';

/**
 * Issue 19, item 10: host keys as the user's ssh config says, on real hosts: HostKeyAlias,
 * StrictHostKeyChecking, UserKnownHostsFile and HashKnownHosts (OpenSSH's ssh-keygen -F judges the
 * hashed line), and a bastion's key checked the same way as the target's.
 */
const fleet = useFleet({ hosts: 2 });


function hostBlock(name: string, node: string, lines: string[]): string {
  const host = fleet().host(node);
  return [`Host ${name}`, '  HostName 127.0.0.1', `  Port ${host.port}`, '  User root', `  IdentityFile ${fleet().privateKeyPath}`, ...lines.map((l) => `  ${l}`), ''].join('\n');
}

describe('host keys from ssh config', () => {
  it('HostKeyAlias, StrictHostKeyChecking accept-new, UserKnownHostsFile and HashKnownHosts: the key is added hashed under the alias, then checked strictly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshbook-hkc-'));
    const sshConfigFile = join(dir, 'config');
    const knownHosts = join(dir, 'known_hosts_from_config');
    const keys = ['HostKeyAlias node1-by-alias', `UserKnownHostsFile ${knownHosts}`, 'HashKnownHosts yes', 'ServerAliveInterval 5'];
    await writeFile(sshConfigFile, hostBlock('via-config', 'node1', [...keys, 'StrictHostKeyChecking accept-new']));
    const notices: string[] = [];
    const first = await connectSsh({ host: 'node1', address: 'via-config', sshConfigFile, agent: false, onNotice: (m) => notices.push(m) });
    try {
      expect((await first.run(sh`hostname`)).stdout).toBe('node1\n');
    } finally {
      await first.close();
    }
    expect(notices).toEqual([expect.stringMatching(/^accepted new host key for node1 \(node1-by-alias\): ssh-ed25519 SHA256:/)]);
    const written = await readFile(knownHosts, 'utf8');
    expect(written).toMatch(/^\|1\|[^ ]+ ssh-ed25519 [A-Za-z0-9+/=]+\n$/);
    expect(execFileSync('ssh-keygen', ['-F', 'node1-by-alias', '-f', knownHosts]).toString()).toContain(written.split(' ')[2]!.trim());

    // Strict now, from the config: the key filed under the alias is the one checked.
    await writeFile(sshConfigFile, hostBlock('via-config', 'node1', [...keys, 'StrictHostKeyChecking yes']));
    const again = await connectSsh({ host: 'node1', address: 'via-config', sshConfigFile, agent: false });
    await again.close();
    // Another alias is another name: unknown, refused under strict.
    await writeFile(sshConfigFile, hostBlock('via-config', 'node1', [...keys.filter((k) => !k.startsWith('HostKeyAlias')), 'HostKeyAlias someone-else', 'StrictHostKeyChecking yes']));
    expect((await caught(connectSsh({ host: 'node1', address: 'via-config', sshConfigFile, agent: false }))).code).toBe('HOST_KEY_UNKNOWN');
  });

  it('the bastion\'s key is checked like the target\'s: unknown under strict is refused, naming the bastion', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshbook-hkc-'));
    const sshConfigFile = join(dir, 'config');
    const knownHosts = join(dir, 'known_hosts');
    // The target is known; the bastion is not.
    const node2 = fleet().host('node2');
    const node2Key = (await readFile(fleet().knownHostsPath, 'utf8')).split('\n').find((l) => l.startsWith(`[127.0.0.1]:${node2.port} `))!.split(' ').slice(1).join(' ');
    await writeFile(knownHosts, `${node2.ip} ${node2Key}\n`);
    await writeFile(sshConfigFile, `${hostBlock('bastion', 'node1', [])}Host target\n  HostName ${node2.ip}\n  User root\n  IdentityFile ${fleet().privateKeyPath}\n  ProxyJump bastion\n`);
    const error = await caught(connectSsh({ host: 'node2', address: 'target', sshConfigFile, knownHostsFile: knownHosts, agent: false }));
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(error.message).toMatch(/^host key of node2 via bastion \(\[127\.0\.0\.1\]:\d+\) is not known/);
  });
});
