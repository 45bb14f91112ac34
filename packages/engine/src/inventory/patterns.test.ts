import { beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from './load.js';
import type { Inventory } from './types.js';
import { splitPattern } from './patterns.js';
import { tempInventory, thrown } from './__fixtures__/temp-inventory.js';

// The seed 000 shape in miniature, with one ungrouped host.
const HOSTS = `
all:
  hosts:
    controller:
  children:
    wireguard_server:
      hosts:
        wg-server:
    k8s_nodes:
      children:
        cluster_kzh:
          hosts:
            jin-kazuha-master-1:
            jin-kazuha-worker-1:
        cluster_ayk:
          hosts:
            jin-ayaka-master-1:
            jin-ayaka-worker-1:
    masters:
      hosts:
        jin-ayaka-master-1:
        jin-kazuha-master-1:
    workers:
      hosts:
        jin-ayaka-worker-1:
        jin-kazuha-worker-1:
`;

const ALL = ['controller', 'wg-server', 'jin-kazuha-master-1', 'jin-kazuha-worker-1', 'jin-ayaka-master-1', 'jin-ayaka-worker-1'];

describe('host patterns', () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await loadInventory(await tempInventory({ 'hosts.yaml': HOSTS }));
  });

  it('all and * select every host in inventory order', () => {
    expect(inventory.select('all')).toEqual(ALL);
    expect(inventory.select('*')).toEqual(ALL);
  });

  it('a group selects its hosts through child groups, in inventory order', () => {
    expect(inventory.select('k8s_nodes')).toEqual(ALL.slice(2));
    // masters lists ayaka first; the result still follows inventory order.
    expect(inventory.select('masters')).toEqual(['jin-kazuha-master-1', 'jin-ayaka-master-1']);
    expect(inventory.select('ungrouped')).toEqual(['controller']);
  });

  it('a host name selects that host', () => {
    expect(inventory.select('wg-server')).toEqual(['wg-server']);
  });

  it('globs match host and group names', () => {
    expect(inventory.select('jin-*-master-*')).toEqual(['jin-kazuha-master-1', 'jin-ayaka-master-1']);
    expect(inventory.select('cluster_*')).toEqual(ALL.slice(2));
    expect(inventory.select('wg?server')).toEqual(['wg-server']);
    expect(inventory.select('nothing*')).toEqual([]);
  });

  it('~regex matches from the start of host and group names', () => {
    expect(inventory.select('~jin-(kazuha|ayaka)-worker')).toEqual(['jin-kazuha-worker-1', 'jin-ayaka-worker-1']);
    expect(inventory.select('~master')).toEqual(['jin-kazuha-master-1', 'jin-ayaka-master-1']); // group "masters"
    expect(inventory.select('~kazuha')).toEqual([]);
  });

  it('!exclude removes hosts; alone it starts from all', () => {
    expect(inventory.select('k8s_nodes:!workers')).toEqual(['jin-kazuha-master-1', 'jin-ayaka-master-1']);
    expect(inventory.select('!k8s_nodes')).toEqual(['controller', 'wg-server']);
  });

  it('&intersection keeps hosts in both', () => {
    expect(inventory.select('masters:&cluster_ayk')).toEqual(['jin-ayaka-master-1']);
  });

  it('unions first, then intersections, then exclusions, whatever the written order', () => {
    expect(inventory.select('!jin-ayaka-master-1:&masters:k8s_nodes:wg-server')).toEqual(['jin-kazuha-master-1']);
    expect(inventory.select('wg-server,cluster_kzh,!jin-kazuha-worker-1')).toEqual(['wg-server', 'jin-kazuha-master-1']);
  });

  it('deduplicates and keeps inventory order across a union', () => {
    expect(inventory.select('workers,masters,jin-kazuha-master-1')).toEqual(ALL.slice(2));
  });

  it("supports Ansible's group subscripts", () => {
    expect(inventory.select('k8s_nodes[0]')).toEqual(['jin-kazuha-master-1']);
    expect(inventory.select('k8s_nodes[-1]')).toEqual(['jin-ayaka-worker-1']);
    expect(inventory.select('k8s_nodes[1:2]')).toEqual(['jin-kazuha-worker-1', 'jin-ayaka-master-1']);
  });

  it('an unknown plain name is BAD_INPUT with close matches', () => {
    const error = thrown(() => inventory.select('master'));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toBe('host pattern: no host or group named "master"; did you mean masters, jin-ayaka-master-1, jin-kazuha-master-1?');
    expect(thrown(() => inventory.select('k8s_nodes:!wg-sever')).message).toMatch(/no host or group named "wg-sever"; did you mean wg-server\?/);
  });

  it('a bad regex or an empty pattern is BAD_INPUT', () => {
    expect(thrown(() => inventory.select('~(')).code).toBe('BAD_INPUT');
    expect(thrown(() => inventory.select('  ')).code).toBe('BAD_INPUT');
  });

  it('groupHosts walks child groups and rejects unknown groups', () => {
    expect(inventory.groupHosts('k8s_nodes')).toEqual(ALL.slice(2));
    expect(inventory.groupHosts('all')).toEqual(ALL);
    expect(thrown(() => inventory.groupHosts('k8s_node')).hint).toMatch(/did you mean k8s_nodes/);
  });

  it('splits on "," when present, else on ":" outside brackets', () => {
    expect(splitPattern('a:b:!c')).toEqual(['a', 'b', '!c']);
    expect(splitPattern('~a{1:2}, b')).toEqual(['~a{1:2}', 'b']);
    expect(splitPattern('web[0:2]:db')).toEqual(['web[0:2]', 'db']);
  });
});
