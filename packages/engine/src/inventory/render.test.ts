import { describe, expect, it } from 'vitest';
import { loadInventory } from './load.js';
import { renderInventoryGraph, renderInventoryList } from './render.js';
import { tempInventory } from './__fixtures__/temp-inventory.js';

const HOSTS = `
all:
  vars:
    ansible_user: admin
  hosts:
    jumpbox:
  children:
    web:
      hosts:
        web2: { ansible_become_password: render-canary-pw }
        web1:
    dbs:
      children:
        db_primary:
          hosts: { db1: }
        db_empty:
`;

describe('inventory rendering', () => {
  it('--list: the ansible-inventory shape, keys sorted, secrets masked', async () => {
    const inventory = await loadInventory(await tempInventory({ 'hosts.yaml': HOSTS }));
    const listing = renderInventoryList(inventory);
    expect(listing).toEqual({
      _meta: {
        hostvars: {
          jumpbox: { ansible_user: 'admin' },
          web2: { ansible_user: 'admin', ansible_become_password: '***' },
          web1: { ansible_user: 'admin' },
          db1: { ansible_user: 'admin' },
        },
      },
      all: { children: ['ungrouped', 'web', 'dbs'] },
      ungrouped: { hosts: ['jumpbox'] },
      web: { hosts: ['web2', 'web1'] },
      dbs: { children: ['db_primary', 'db_empty'] },
      db_primary: { hosts: ['db1'] },
    });
    const json = JSON.stringify(listing);
    expect(json).not.toContain('render-canary-pw');
    expect(Object.keys(listing)).toEqual(['_meta', 'all', 'db_primary', 'dbs', 'ungrouped', 'web']);
  });

  it('--graph: the ansible-inventory tree, names sorted', async () => {
    const inventory = await loadInventory(await tempInventory({ 'hosts.yaml': HOSTS }));
    expect(renderInventoryGraph(inventory)).toBe(
      [
        '@all:',
        '  |--@dbs:',
        '  |  |--@db_empty:',
        '  |  |--@db_primary:',
        '  |  |  |--db1',
        '  |--@ungrouped:',
        '  |  |--jumpbox',
        '  |--@web:',
        '  |  |--web1',
        '  |  |--web2',
      ].join('\n'),
    );
    expect(renderInventoryGraph(inventory, 'dbs')).toBe(['@dbs:', '  |--@db_empty:', '  |--@db_primary:', '  |  |--db1'].join('\n'));
  });
});
