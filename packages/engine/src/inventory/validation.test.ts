import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from './load.js';
import { rejection, tempInventory } from './__fixtures__/temp-inventory.js';

async function loadError(files: Record<string, string>) {
  const dir = await tempInventory(files);
  const error = await rejection(loadInventory(dir));
  expect(error.code).toBe('BAD_INPUT');
  return { error, dir, hostsFile: join(dir, 'hosts.yaml') };
}

describe('inventory validation', () => {
  it('names the file, the path inside it and the fix for a bad port', async () => {
    const fixture = join(import.meta.dirname, '__fixtures__/bad-port');
    const error = await rejection(loadInventory(fixture));
    expect(error.code).toBe('BAD_INPUT');
    const file = relative(process.cwd(), join(fixture, 'hosts.yaml'));
    expect(error.message).toContain(`${file}: all.children.masters.hosts.m1.ansible_port: expected a port number 1-65535, got "abc"`);
    expect(error.message).toContain('fix: write the SSH port as a whole number, e.g. ansible_port: 22');
    expect(error.message).toMatch(/1 problem/);
  });

  it('reports YAML syntax errors with line and column', async () => {
    const { error, hostsFile } = await loadError({ 'hosts.yaml': 'all:\n  hosts:\n    a: {x: 1\n  vars: {}\n' });
    expect(error.message).toMatch(new RegExp(`${escape(hostsFile)}:4:3: YAML syntax error: `));
    expect(error.message).toContain('fix: correct the YAML at that line');
  });

  it('reports duplicate keys as syntax errors', async () => {
    const { error } = await loadError({ 'hosts.yaml': 'all:\n  hosts:\n    a:\n    a:\n' });
    expect(error.message).toMatch(/hosts\.yaml:\d+:\d+: YAML syntax error: Map keys must be unique/);
  });

  it('rejects unknown top-level keys and group keys at the top', async () => {
    const { error, hostsFile } = await loadError({ 'hosts.yaml': 'all:\n  hosts: { a: }\nversion: 2\nvars:\n  x: 1\n' });
    expect(error.message).toContain(`${hostsFile}: version: unknown top-level key "version"`);
    expect(error.message).toContain(`${hostsFile}: vars: "vars" is not allowed at the top level`);
    expect(error.message).toContain('fix: move it under all: (all.vars)');
    expect(error.message).toMatch(/2 problems/);
  });

  it('rejects unknown keys inside a group, suggesting the close one', async () => {
    const { error, hostsFile } = await loadError({ 'hosts.yaml': 'all:\n  children:\n    web:\n      host:\n        web1:\n' });
    expect(error.message).toContain(`${hostsFile}: all.children.web.host: unknown key "host" in a group`);
    expect(error.message).toContain('fix: did you mean hosts?');
  });

  it('rejects hosts that are not mappings', async () => {
    const { error, hostsFile } = await loadError({ 'hosts.yaml': 'all:\n  hosts:\n    web1: 192.0.2.10\n' });
    expect(error.message).toContain(`${hostsFile}: all.hosts.web1: expected the host's vars as a mapping (or nothing), got "192.0.2.10"`);
    expect(error.message).toContain('fix: write web1: { ansible_host: 192.0.2.10 }');
  });

  it('rejects a hosts list instead of a mapping', async () => {
    const { error, hostsFile } = await loadError({ 'hosts.yaml': 'all:\n  children:\n    web:\n      hosts: [web1, web2]\n' });
    expect(error.message).toContain(`${hostsFile}: all.children.web.hosts: expected hosts (host name -> its vars) as a mapping`);
    expect(error.message).toContain('fix: list hosts as a mapping');
  });

  it('rejects a bad host key policy', async () => {
    const { error, hostsFile } = await loadError({ 'hosts.yaml': 'all:\n  vars:\n    meshbook_host_key_checking: maybe\n  hosts: { a: }\n' });
    expect(error.message).toContain(
      `${hostsFile}: all.vars.meshbook_host_key_checking: expected a host key policy (strict, accept-new or off), got "maybe"`,
    );
    expect(error.message).toContain('fix: write meshbook_host_key_checking: strict');
  });

  it('rejects a group that is its own ancestor', async () => {
    const { error, hostsFile } = await loadError({
      'hosts.yaml': 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n',
    });
    expect(error.message).toContain(`${hostsFile}: all.children.a.children.b.children.a: group "a" is its own ancestor: a -> b -> a`);
    expect(error.message).toContain('fix: remove a from the children of b');
  });

  it('rejects all as a child group', async () => {
    const { error } = await loadError({ 'hosts.yaml': 'all:\n  children:\n    web:\n      children:\n        all:\n' });
    expect(error.message).toContain('all.children.web.children.all: group "all" cannot be a child group');
  });

  it('rejects host and group names with invalid characters', async () => {
    const { error, hostsFile } = await loadError({
      'hosts.yaml': 'all:\n  children:\n    "web servers":\n      hosts: { a: }\n    db:\n      hosts:\n        "db:1":\n        "db 2":\n',
    });
    expect(error.message).toContain(`${hostsFile}: all.children."web servers": group name "web servers" has invalid characters`);
    expect(error.message).toContain('fix: rename the group, e.g. web_servers');
    expect(error.message).toContain(`all.children.db.hosts."db:1": host name "db:1" has invalid characters`);
    expect(error.message).toContain('fix: give the host a plain name and put its address in ansible_host');
    expect(error.message).toContain(`all.children.db.hosts."db 2": host name "db 2"`);
  });

  it('names the group_vars file and the key when a vars file is wrong', async () => {
    const { error, dir } = await loadError({
      'hosts.yaml': 'all:\n  children:\n    web:\n      hosts: { a: }\n',
      'group_vars/web/ssh.yaml': 'ansible_connection: docker\n',
      'host_vars/a.yaml': '- not\n- a mapping\n',
    });
    expect(error.message).toContain(`${join(dir, 'group_vars/web/ssh.yaml')}: ansible_connection: expected ssh or local, got "docker"`);
    expect(error.message).toContain(`${join(dir, 'host_vars/a.yaml')}: expected a mapping of variable name -> value`);
  });

  it('never prints a password in an error', async () => {
    const { error } = await loadError({ 'hosts.yaml': 'all:\n  hosts:\n    a:\n      ansible_password: [pw-in-a-list-1234]\n' });
    expect(error.message).toContain('all.hosts.a.ansible_password: expected a password string, got a list');
    expect(error.message).not.toContain('pw-in-a-list-1234');
  });

  it('refuses Ansible Vault values without a vault password, saying how to give one', async () => {
    const { error } = await loadError({ 'hosts.yaml': 'all:\n  hosts:\n    a:\n      ansible_become_password: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n        3135\n' });
    expect(error.message).toMatch(/:4:32: .*encrypted with Ansible Vault and no vault password was given/);
    expect(error.message).toContain('fix: pass the vault password with --vault-password-file FILE');
  });

  it('collects every problem before failing', async () => {
    const { error } = await loadError({
      'hosts.yaml': 'all:\n  hosts:\n    a: { ansible_port: 0 }\n    b: { ansible_become: perhaps }\n    c: { meshbook_proxy_jump: "a,b" }\n',
    });
    expect(error.message).toMatch(/3 problems/);
    expect(error.hint).toBe('fix each problem listed above; no host was contacted');
    expect(error.message).toContain('all.hosts.a.ansible_port: expected a port number 1-65535, got 0');
    expect(error.message).toContain('all.hosts.b.ansible_become: expected true or false, got "perhaps"');
    expect(error.message).toContain('all.hosts.c.meshbook_proxy_jump: expected one bastion as [user@]host[:port], got "a,b"');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
