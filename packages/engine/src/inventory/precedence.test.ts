import { describe, expect, it } from 'vitest';
import { loadInventory } from './load.js';
import { mergeVars } from './precedence.js';
import { tempInventory } from './__fixtures__/temp-inventory.js';

describe('variable precedence', () => {
  it('applies all < parent group < child group < host, each layer visible', async () => {
    const dir = await tempInventory({
      'hosts.yaml': `
all:
  vars: { layer: all, from_all: 1 }
  children:
    parent:
      vars: { layer: parent, from_parent: 1 }
      children:
        child:
          vars: { layer: child, from_child: 1 }
          hosts:
            h1: { layer: host-inline, from_host: 1 }
            h2:
`,
      'group_vars/all.yaml': 'from_all_file: 1\n',
      'group_vars/child.yaml': 'layer: child-file\n',
      'host_vars/h1.yaml': 'layer: host-file\n',
    });
    const inventory = await loadInventory(dir);
    expect(inventory.hosts.get('h1')?.vars).toEqual({
      layer: 'host-file',
      from_all: 1,
      from_all_file: 1,
      from_parent: 1,
      from_child: 1,
      from_host: 1,
    });
    // Without host vars the child group's group_vars file is the top layer.
    expect(inventory.hosts.get('h2')?.vars['layer']).toBe('child-file');
    expect(inventory.hosts.get('h2')?.groups).toEqual(['all', 'parent', 'child']);
  });

  it('a child group wins over its parent even when the parent is listed later', async () => {
    const dir = await tempInventory({
      'hosts.yaml': `
all:
  children:
    zeta_child:
      vars: { role: child }
      hosts: { h1: }
    alpha_parent:
      vars: { role: parent }
      children:
        zeta_child:
`,
    });
    const inventory = await loadInventory(dir);
    expect(inventory.hosts.get('h1')?.vars['role']).toBe('child');
  });

  it('sibling groups at the same depth: the later name in alphabetical order wins', async () => {
    const dir = await tempInventory({
      'hosts.yaml': `
all:
  children:
    zebra: { vars: { color: zebra }, hosts: { h1: } }
    apple: { vars: { color: apple }, hosts: { h1: } }
    mango: { vars: { color: mango }, hosts: { h1: } }
`,
    });
    const inventory = await loadInventory(dir);
    expect(inventory.hosts.get('h1')?.vars['color']).toBe('zebra');
    expect(inventory.hosts.get('h1')?.groups).toEqual(['all', 'apple', 'mango', 'zebra']);
  });

  it('depth is the longest path from all: a group reached at depth 1 and 2 counts as 2', async () => {
    const dir = await tempInventory({
      'hosts.yaml': `
all:
  children:
    deep: { vars: { v: deep }, hosts: { h1: } }
    outer:
      children:
        middle: { vars: { v: middle }, children: { deep: } }
`,
    });
    const inventory = await loadInventory(dir);
    // deep is under outer > middle (depth 3), so it beats middle (depth 2).
    expect(inventory.hosts.get('h1')?.vars['v']).toBe('deep');
  });

  it('ansible_group_priority orders siblings before the name does', async () => {
    const dir = await tempInventory({
      'hosts.yaml': `
all:
  children:
    apple: { vars: { color: apple, ansible_group_priority: 10 }, hosts: { h1: } }
    zebra: { vars: { color: zebra }, hosts: { h1: } }
`,
    });
    const inventory = await loadInventory(dir);
    expect(inventory.hosts.get('h1')?.vars['color']).toBe('apple');
  });

  it('replaces mappings whole (hash_behaviour=replace), never deep-merges', async () => {
    const dir = await tempInventory({
      'hosts.yaml': `
all:
  vars: { sysctl: { a: 1, b: 2 } }
  hosts:
    h1: { sysctl: { c: 3 } }
`,
    });
    const inventory = await loadInventory(dir);
    expect(inventory.hosts.get('h1')?.vars['sysctl']).toEqual({ c: 3 });
  });

  it('a host listed twice in the file has its entries merged, the later entry wins', async () => {
    const dir = await tempInventory({
      'hosts.yaml': `
all:
  children:
    a: { hosts: { h1: { x: first, y: first } } }
    b: { hosts: { h1: { y: second } } }
`,
    });
    const inventory = await loadInventory(dir);
    expect(inventory.hosts.get('h1')?.vars).toMatchObject({ x: 'first', y: 'second' });
  });
});

describe('mergeVars', () => {
  it('applies layers lowest first, for play vars and -e extra vars', () => {
    const host = { a: 'host', b: 'host', c: 'host' };
    const play = { b: 'play', c: 'play' };
    const extra = { c: 'extra' };
    expect(mergeVars(host, play, extra)).toEqual({ a: 'host', b: 'play', c: 'extra' });
    expect(mergeVars(undefined, host)).toEqual(host);
  });

  it('a later layer setting a connection var under any name drops the earlier aliases', () => {
    const merged = mergeVars({ meshbook_user: 'group-user', ansible_port: 2222 }, { ansible_user: 'extra-user' });
    expect(merged).toEqual({ ansible_user: 'extra-user', ansible_port: 2222 });
  });

  it('keeps both names when one layer sets both (the meshbook name is read first)', () => {
    expect(mergeVars({ meshbook_port: 1, ansible_port: 2 })).toEqual({ meshbook_port: 1, ansible_port: 2 });
  });
});
