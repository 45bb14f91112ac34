import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory } from './load.js';

/** The repository's real inventories, loaded and checked offline: nothing here connects. */
const inventoriesDir = fileURLToPath(new URL('../../../../inventories/', import.meta.url));

describe('inventories/hetzner (seed 000)', async () => {
  const inventory = await loadInventory(`${inventoriesDir}hetzner`);
  const vars = (host: string) => inventory.hosts.get(host)?.vars ?? {};

  it('loads without warnings, with the seed topology', () => {
    expect(inventory.warnings).toEqual([]);
    expect(inventory.select('all')).toEqual([
      'wg-server',
      'jin-kazuha-master-1',
      'jin-kazuha-worker-1',
      'jin-ayaka-master-1',
      'jin-ayaka-worker-1',
    ]);
    expect(inventory.select('wireguard_server')).toEqual(['wg-server']);
    expect(inventory.select('wireguard')).toEqual(inventory.select('all'));
    expect(inventory.select('k8s_nodes')).toEqual(inventory.select('all').slice(1));
    expect(inventory.select('masters')).toEqual(['jin-kazuha-master-1', 'jin-ayaka-master-1']);
    expect(inventory.select('workers')).toEqual(['jin-kazuha-worker-1', 'jin-ayaka-worker-1']);
    expect(inventory.groups.get('k8s_nodes')?.children).toEqual(['cluster_kzh', 'cluster_ayk']);
    expect(inventory.groups.get('wireguard')?.children).toEqual(['wireguard_server', 'k8s_nodes']);
  });

  it('has every address and cluster value of the seed', () => {
    const table = [
      ['wg-server', undefined, '10.7.0.1'],
      ['jin-kazuha-master-1', '10.48.10.11', '10.7.0.2'],
      ['jin-kazuha-worker-1', '10.48.10.21', '10.7.0.3'],
      ['jin-ayaka-master-1', '10.20.31.11', '10.7.0.4'],
      ['jin-ayaka-worker-1', '10.20.31.21', '10.7.0.5'],
    ] as const;
    for (const [host, upstream, wg] of table) {
      expect(vars(host)['wg_address']).toBe(wg);
      expect(vars(host)['upstream_ip']).toBe(upstream);
    }
    expect(vars('jin-kazuha-worker-1')).toMatchObject({
      cluster_name: 'cluster-kzh',
      cluster_id: 2,
      cluster_short: 'kzh',
      pod_cidr: '10.244.0.0/16',
      service_cidr: '10.94.0.0/16',
      kube_vip: '10.48.10.10',
      wireguard_endpoint: '194.35.12.114:51820',
    });
    expect(vars('jin-ayaka-master-1')).toMatchObject({
      cluster_name: 'cluster-ayk',
      cluster_id: 1,
      cluster_short: 'ayk',
      pod_cidr: '10.242.0.0/16',
      service_cidr: '10.92.0.0/16',
      kube_vip: '10.20.31.10',
    });
  });

  it('reaches the cluster nodes through the WireGuard server as student, with sudo', () => {
    expect(inventory.hosts.get('wg-server')?.connection).toMatchObject({
      address: '194.35.12.114',
      user: 'student',
      become: true,
      proxyJump: undefined,
    });
    for (const host of inventory.select('k8s_nodes')) {
      expect(inventory.hosts.get(host)?.connection).toMatchObject({
        address: vars(host)['upstream_ip'],
        user: 'student',
        become: true,
        proxyJump: 'student@194.35.12.114:22',
      });
    }
  });
});

describe('inventories/openstack (seed 004)', async () => {
  const inventory = await loadInventory(`${inventoriesDir}openstack`);
  const vars = (host: string) => inventory.hosts.get(host)?.vars ?? {};

  it('loads without warnings: two clusters of three nodes, every node in every RKE role', () => {
    expect(inventory.warnings).toEqual([]);
    expect(inventory.select('cluster1').map((h) => inventory.hosts.get(h)?.connection.address)).toEqual([
      '10.195.197.165',
      '10.195.197.175',
      '10.195.197.170',
    ]);
    expect(inventory.select('cluster2')).toHaveLength(3);
    for (const role of ['rke_controlplane', 'rke_etcd', 'rke_worker']) expect(inventory.select(role)).toEqual(inventory.select('k8s_nodes'));
  });

  it('logs in as ubuntu with ~/.ssh/id_rsa', () => {
    for (const host of inventory.select('all')) {
      expect(inventory.hosts.get(host)?.connection).toMatchObject({ user: 'ubuntu', become: true });
      expect(inventory.hosts.get(host)?.connection.privateKeyFile).toMatch(/\/\.ssh\/id_rsa$/);
    }
  });

  it('gives each cluster its own pod range, name, id and MetalLB addresses inside the seed range', () => {
    const one = vars('k8s-cluster1-node-0');
    const two = vars('k8s-cluster2-node-0');
    expect(one).toMatchObject({ cluster_name: 'cluster1', cluster_id: 1, pod_cidr: '10.42.0.0/16', service_cidr: '10.45.0.0/16', cluster_dns: '10.45.0.10' });
    expect(two).toMatchObject({ cluster_name: 'cluster2', cluster_id: 2, pod_cidr: '10.44.0.0/16', service_cidr: '10.45.0.0/16', cluster_dns: '10.45.0.10' });
    const range = (value: unknown) => String(value).split('-').map((ip) => Number(ip.split('.')[3]));
    const [a1 = 0, a2 = 0] = range(one['metallb_range']);
    const [b1 = 0, b2 = 0] = range(two['metallb_range']);
    expect(a1 >= 190 && a2 < b1 && b2 <= 199).toBe(true);
  });
});
