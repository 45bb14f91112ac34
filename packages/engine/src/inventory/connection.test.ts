import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from '../secret.js';
import { resolveConnection } from './connection.js';
import { loadInventory } from './load.js';
import { parseSshArgs, splitShellWords } from './ssh-args.js';
import { rejection, tempInventory, thrown } from './__fixtures__/temp-inventory.js';

const resolve = (vars: Record<string, unknown>) => resolveConnection('node1', vars, { baseDir: '/inv' });

describe('resolveConnection', () => {
  it('defaults: ssh to the inventory name on port 22, host key policy left to ssh config (then strict, in connect-ssh), 10 s connect timeout', () => {
    expect(resolve({}).connection).toEqual({
      connection: 'ssh',
      address: 'node1',
      port: 22,
      user: undefined,
      privateKeyFile: undefined,
      password: undefined,
      become: undefined,
      becomePassword: undefined,
      becomeMethod: undefined,
      hostKeyPolicy: undefined,
      knownHostsFile: undefined,
      proxyJump: undefined,
      connectTimeoutMs: 10_000,
    });
  });

  it("accepts Ansible's connection variables unchanged", () => {
    const { connection } = resolve({
      ansible_host: '192.0.2.10',
      ansible_port: '2222',
      ansible_user: 'admin',
      ansible_ssh_private_key_file: 'keys/id_ed25519',
      ansible_ssh_pass: 'hunter22',
      ansible_become: 'yes',
      ansible_become_user: 'postgres',
      ansible_become_pass: 'sudo-pass',
      ansible_connection: 'smart',
      ansible_host_key_checking: false,
      ansible_ssh_timeout: 30,
    });
    expect(connection).toMatchObject({
      connection: 'ssh',
      address: '192.0.2.10',
      port: 2222,
      user: 'admin',
      privateKeyFile: '/inv/keys/id_ed25519',
      become: { user: 'postgres' },
      hostKeyPolicy: 'off',
      connectTimeoutMs: 30_000,
    });
    expect(connection.password).toBeInstanceOf(Secret);
    expect(connection.password?.reveal()).toBe('hunter22');
    expect(connection.becomePassword?.reveal()).toBe('sudo-pass');
    expect(String(connection.password)).toBe('***');
  });

  it('accepts the meshbook names, and they win over Ansible names in the same layer', () => {
    const { connection } = resolve({
      meshbook_host: 'a.example',
      ansible_host: 'b.example',
      meshbook_port: 2200,
      meshbook_user: 'ops',
      meshbook_private_key_file: '~/.ssh/id_rsa',
      meshbook_password: 'pw-meshbook',
      meshbook_become: true,
      meshbook_become_password: 'pw-sudo',
      meshbook_connection: 'local',
      meshbook_host_key_checking: 'accept-new',
      meshbook_known_hosts_file: 'known_hosts',
      meshbook_proxy_jump: 'jump@bastion.example:2222',
      meshbook_connect_timeout: '5',
    });
    expect(connection).toMatchObject({
      connection: 'local',
      address: 'a.example',
      port: 2200,
      user: 'ops',
      privateKeyFile: join(homedir(), '.ssh/id_rsa'),
      become: true,
      hostKeyPolicy: 'accept-new',
      knownHostsFile: '/inv/known_hosts',
      proxyJump: 'jump@bastion.example:2222',
      connectTimeoutMs: 5000,
    });
    expect(connection.password?.reveal()).toBe('pw-meshbook');
  });

  it('become: root (or no user) is true, false stays false, become_user alone does not become', () => {
    expect(resolve({ ansible_become: true, ansible_become_user: 'root' }).connection.become).toBe(true);
    expect(resolve({ ansible_become: false }).connection.become).toBe(false);
    expect(resolve({ ansible_become_user: 'postgres' }).connection.become).toBeUndefined();
  });

  it('takes the bastion and host key settings out of ansible_ssh_common_args, warning about the rest', () => {
    const { connection, warnings } = resolve({
      ansible_ssh_common_args: '-o ProxyJump=admin@bastion:2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o Compression=yes -C',
    });
    expect(connection.proxyJump).toBe('admin@bastion:2222');
    expect(connection.hostKeyPolicy).toBe('off');
    expect(warnings).toEqual([
      'ansible_ssh_common_args: ignored "-o Compression=yes", "-C" (meshbook reads only -J/ProxyJump, ProxyCommand "ssh -W", StrictHostKeyChecking, UserKnownHostsFile, ConnectTimeout)',
    ]);
  });

  it('understands -J and the older ProxyCommand "ssh -W %h:%p" form', () => {
    expect(resolve({ ansible_ssh_common_args: '-J ops@jump.example' }).connection.proxyJump).toBe('ops@jump.example');
    expect(
      resolve({ ansible_ssh_common_args: `-o ProxyCommand="ssh -W %h:%p -q -p 2222 ops@jump.example"` }).connection.proxyJump,
    ).toBe('ops@jump.example:2222');
  });

  it('explicit meshbook vars win over what ssh args say', () => {
    const { connection } = resolve({ ansible_ssh_common_args: '-J a@one', meshbook_proxy_jump: 'b@two', meshbook_host_key_checking: 'strict' });
    expect(connection.proxyJump).toBe('b@two');
    expect(connection.hostKeyPolicy).toBe('strict');
  });

  it('follows a plain {{ variable }} reference, as in ansible_host: "{{ upstream_ip }}"', () => {
    expect(resolve({ ansible_host: '{{ upstream_ip }}', upstream_ip: '10.0.0.5' }).connection.address).toBe('10.0.0.5');
    const error = thrown(() => resolve({ ansible_host: '{{ missing }}' }));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/ansible_host: refers to variable missing/);
  });

  it('rejects a bad value with BAD_INPUT naming the variable and the fix', () => {
    const error = thrown(() => resolve({ ansible_port: 70000 }));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain('host node1 (merged vars): ansible_port: expected a port number 1-65535, got 70000');
    expect(error.message).toContain('fix: write the SSH port as a whole number, e.g. ansible_port: 22');
  });

  it('reads the become method (sudo, su, doas) and refuses any other, naming the variable', () => {
    expect(resolve({ ansible_become_method: 'su' }).connection.becomeMethod).toBe('su');
    expect(resolve({ ansible_become_method: 'doas' })).toMatchObject({ connection: { becomeMethod: 'doas' }, warnings: [] });
    expect(resolve({}).connection.becomeMethod).toBeUndefined();
    const error = thrown(() => resolve({ ansible_become_method: 'pbrun' }));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain('ansible_become_method: expected a become method (sudo, su, doas), got "pbrun"');
  });
});

describe('connection vars in an inventory', () => {
  it('resolves relative key and known_hosts paths against the inventory directory', async () => {
    const dir = await tempInventory({
      'hosts.yaml': 'all:\n  vars:\n    ansible_ssh_private_key_file: keys/lab\n    meshbook_known_hosts_file: ./known_hosts\n  hosts:\n    h1:\n',
    });
    const { connection } = (await loadInventory(dir)).hosts.get('h1') ?? {};
    expect(connection?.privateKeyFile).toBe(join(dir, 'keys/lab'));
    expect(connection?.knownHostsFile).toBe(join(dir, 'known_hosts'));
  });

  it('keeps passwords as Secrets in host vars too', async () => {
    const dir = await tempInventory({ 'hosts.yaml': 'all:\n  hosts:\n    h1:\n      ansible_become_password: s3cret-pw\n' });
    const host = (await loadInventory(dir)).hosts.get('h1');
    expect(host?.vars['ansible_become_password']).toBeInstanceOf(Secret);
    expect(JSON.stringify(host?.vars)).not.toContain('s3cret-pw');
  });

  it('groups one warning for many hosts into one line', async () => {
    const dir = await tempInventory({
      'hosts.yaml': 'all:\n  vars:\n    ansible_ssh_common_args: -o ControlMaster=auto -o ServerAliveInterval=30\n  hosts:\n    h1:\n    h2:\n',
    });
    const inventory = await loadInventory(dir);
    expect(inventory.warnings).toEqual([
      'hosts h1, h2: ansible_ssh_common_args: ignored "-o ServerAliveInterval=30" (meshbook reads only -J/ProxyJump, ProxyCommand "ssh -W", StrictHostKeyChecking, UserKnownHostsFile, ConnectTimeout)',
    ]);
  });

  it('checks -e extra vars that change the connection at load time', async () => {
    const dir = await tempInventory({ 'hosts.yaml': 'all:\n  hosts:\n    h1:\n' });
    const inventory = await loadInventory(dir, { extraVars: { ansible_user: 'deploy' } });
    expect(inventory.hosts.get('h1')?.connection.user).toBe('deploy');
    expect(inventory.hosts.get('h1')?.vars).not.toHaveProperty('ansible_user');
    const error = await rejection(loadInventory(dir, { extraVars: { ansible_port: 'x' } }));
    expect(error.message).toMatch(/host h1 \(merged vars and extra vars\): ansible_port: expected a port number/);
  });
});

describe('ssh argument parsing', () => {
  it('splits like a shell', () => {
    expect(splitShellWords(`-o 'ProxyCommand=ssh -W %h:%p x' -o "A=b c" d\\ e`)).toEqual(['-o', 'ProxyCommand=ssh -W %h:%p x', '-o', 'A=b c', 'd e']);
  });

  it('reads -oOption=value, "Option value" and ConnectTimeout', () => {
    expect(parseSshArgs('-oProxyJump=j1 -o "StrictHostKeyChecking accept-new" -o ConnectTimeout=7')).toEqual({
      proxyJump: 'j1',
      hostKeyPolicy: 'accept-new',
      connectTimeoutSeconds: 7,
      ignored: [],
    });
  });
});
