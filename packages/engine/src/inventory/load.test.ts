import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from './load.js';
import { rejection, tempInventory } from './__fixtures__/temp-inventory.js';

const LAB = `
all:
  vars:
    ntp_server: ntp.example.com
  hosts:
    jumpbox:
  children:
    web:
      hosts:
        web1: { ansible_host: 192.0.2.11 }
        web2:
    db:
      hosts:
        db1:
        web2:
`;

describe('loadInventory', () => {
  it('loads the directory form: hosts.yaml, group_vars and host_vars', async () => {
    const dir = await tempInventory({
      'hosts.yaml': LAB,
      'group_vars/web.yaml': 'http_port: 8080\n',
      'group_vars/all.yml': 'timezone: UTC\n',
      'host_vars/db1.yaml': 'db_role: primary\n',
    });
    const inventory = await loadInventory(dir);
    expect(inventory.source).toBe(dir);
    expect(inventory.baseDir).toBe(dir);
    expect([...inventory.hosts.keys()]).toEqual(['jumpbox', 'web1', 'web2', 'db1']);
    expect(inventory.groups.get('web')?.vars).toEqual({ http_port: 8080 });
    expect(inventory.hosts.get('web1')?.vars).toMatchObject({ ntp_server: 'ntp.example.com', timezone: 'UTC', http_port: 8080 });
    expect(inventory.hosts.get('db1')?.vars).toMatchObject({ db_role: 'primary', timezone: 'UTC' });
    expect(inventory.hosts.get('db1')?.vars).not.toHaveProperty('http_port');
    expect(inventory.warnings).toEqual([]);
  });

  it('keeps a host that appears in several groups once, member of each', async () => {
    const inventory = await loadInventory(await tempInventory({ 'hosts.yaml': LAB }));
    expect(inventory.hosts.get('web2')?.groups).toEqual(['all', 'db', 'web']);
    expect(inventory.groupHosts('web')).toEqual(['web1', 'web2']);
    expect(inventory.groupHosts('db')).toEqual(['web2', 'db1']);
  });

  it('puts hosts that are in no group into ungrouped, as Ansible does', async () => {
    const inventory = await loadInventory(await tempInventory({ 'hosts.yaml': LAB }));
    expect(inventory.groups.get('ungrouped')?.hosts).toEqual(['jumpbox']);
    expect(inventory.hosts.get('jumpbox')?.groups).toEqual(['all', 'ungrouped']);
    expect(inventory.groups.get('all')?.children).toEqual(['ungrouped', 'web', 'db']);
  });

  it('accepts hosts.yml', async () => {
    const inventory = await loadInventory(await tempInventory({ 'hosts.yml': LAB }));
    expect(inventory.hosts.size).toBe(4);
  });

  it('refuses a directory with both hosts.yaml and hosts.yml', async () => {
    const error = await rejection(loadInventory(await tempInventory({ 'hosts.yaml': LAB, 'hosts.yml': LAB })));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/both hosts.yaml and hosts.yml/);
  });

  it('loads a single YAML file, with group_vars beside it', async () => {
    const dir = await tempInventory({ 'lab.yaml': LAB, 'group_vars/db.yaml': 'db_port: 5432\n' });
    const inventory = await loadInventory(join(dir, 'lab.yaml'));
    expect(inventory.baseDir).toBe(dir);
    expect(inventory.hosts.get('db1')?.vars).toMatchObject({ db_port: 5432 });
  });

  it("loads Ansible's group_vars/<group>/*.yaml directory form, files in name order, later wins", async () => {
    const dir = await tempInventory({
      'hosts.yaml': LAB,
      'group_vars/web.yaml': 'a: file\nb: file\nc: file\n',
      'group_vars/web/10-main.yaml': 'b: dir-10\nc: dir-10\n',
      'group_vars/web/20-override.yml': 'c: dir-20\n',
      'group_vars/web/README.md': 'not vars',
    });
    const inventory = await loadInventory(dir);
    expect(inventory.groups.get('web')?.vars).toEqual({ a: 'file', b: 'dir-10', c: 'dir-20' });
  });

  it('warns about group_vars and host_vars files for groups and hosts that do not exist', async () => {
    const dir = await tempInventory({
      'hosts.yaml': LAB,
      'group_vars/webs.yaml': 'x: 1\n',
      'host_vars/db2.yaml': 'x: 1\n',
    });
    const inventory = await loadInventory(dir);
    expect(inventory.warnings).toHaveLength(2);
    expect(inventory.warnings[0]).toMatch(/group_vars\/webs\.yaml: no group named "webs".*did you mean web\?/);
    expect(inventory.warnings[1]).toMatch(/host_vars\/db2\.yaml: no host named "db2".*did you mean db1\?/);
  });

  it("reads YAML as Ansible (PyYAML 1.1) does: yes/no are booleans, y/n are not", async () => {
    const inventory = await loadInventory(await tempInventory({ 'hosts.yaml': 'all:\n  hosts:\n    h1:\n      ansible_become: yes\n      flag: no\n      y: n\n' }));
    expect(inventory.hosts.get('h1')?.vars).toMatchObject({ ansible_become: true, flag: false, y: 'n' });
    expect(inventory.hosts.get('h1')?.connection.become).toBe(true);
  });

  it("expands Ansible's host ranges", async () => {
    const inventory = await loadInventory(await tempInventory({ 'hosts.yaml': 'all:\n  children:\n    web:\n      hosts:\n        web[01:03].lab:\n        db-[a:b]:\n' }));
    expect([...inventory.hosts.keys()]).toEqual(['web01.lab', 'web02.lab', 'web03.lab', 'db-a', 'db-b']);
  });

  it('accepts top-level groups without all:, as children of all', async () => {
    const inventory = await loadInventory(await tempInventory({ 'hosts.yaml': 'web:\n  hosts:\n    web1:\ndb:\n  hosts:\n    db1:\n' }));
    expect(inventory.groups.get('all')?.children).toEqual(['ungrouped', 'web', 'db']);
    expect(inventory.select('all')).toEqual(['web1', 'db1']);
  });

  it('loads an empty file as an inventory without hosts, with a warning', async () => {
    const inventory = await loadInventory(await tempInventory({ 'hosts.yaml': '# nothing yet\n' }));
    expect(inventory.hosts.size).toBe(0);
    expect(inventory.warnings[0]).toMatch(/empty/);
  });

  it('fails on a path that does not exist', async () => {
    const error = await rejection(loadInventory('/nonexistent/inventory'));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/does not exist/);
  });
});
