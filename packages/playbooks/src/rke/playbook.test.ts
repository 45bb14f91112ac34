import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listHosts, listTasks, loadInventory, validatePlaybook } from '@meshbook/engine';
import { rkeClustermeshPlaybook } from './playbook.js';
import { rkeClustersOf } from '../roles/rke-cluster.js';
import { inventoryRelative } from './vars.js';

const inventory = (name: string) => fileURLToPath(new URL(`../../../../inventories/${name}`, import.meta.url));
const PLAYS = [
  'RKE nodes and clusters',
  'Cilium and MetalLB on every cluster',
  'ClusterMesh endpoints as LoadBalancers',
  'ClusterMesh addresses allowed on the OpenStack ports',
  'Cilium ClusterMesh between the clusters',
  'ClusterMesh verification',
];
const NODES = ['k8s-cluster1-node-0', 'k8s-cluster1-node-1', 'k8s-cluster1-node-2', 'k8s-cluster2-node-0', 'k8s-cluster2-node-1', 'k8s-cluster2-node-2'];

/** Offline only: inventories/openstack holds other people's real addresses; nothing here connects. */
describe('rke-clustermesh.ts against the seed 004 inventories, offline', () => {
  for (const name of ['openstack', 'lab-rke']) {
    it(`${name}: validates and plans on the seed's six nodes`, async () => {
      const inv = await loadInventory(inventory(name));
      const playbook = rkeClustermeshPlaybook();
      expect(() => validatePlaybook(playbook, inv)).not.toThrow();
      expect(listHosts(playbook, inv)).toEqual(PLAYS.map((play) => ({ play, hosts: NODES })));
    });
  }

  it('lists every seed step in order (004-02..004-11), the verification only with --tags verify', () => {
    const tasks = listTasks(rkeClustermeshPlaybook(), { tags: ['all', 'verify'] }).flatMap((p) => p.tasks.map((t) => t.name));
    const steps: Record<string, RegExp[]> = {
      '004-02': [/docker\.io/, /docker group/],
      '004-03': [/bpffs/],
      '004-04': [/cluster directory/, /cluster\.yml \(nodes/],
      '004-05': [/rke up/],
      '004-06': [/kube_config_cluster\.yml read on the controller/, /every cluster's context/, /helm installed/, /Cilium installed by helm/],
      '004-07': [/helm repo add metallb/, /MetalLB installed by helm/, /layer-2 pool/],
      '004-08': [/cilium-ca of cluster 1/, /clustermesh enable --service-type \(LoadBalancer\)/, /LoadBalancer address read back/],
      '004-09': [/OpenStack ports/],
      '004-10': [/clustermesh connect/],
      '004-11': [/clustermesh status --wait/, /node list shows every cluster's nodes/],
    };
    const order = Object.values(steps).flat().map((s) => tasks.findIndex((t) => s.test(t)));
    expect(order.every((i) => i >= 0), JSON.stringify(tasks)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const plain = listTasks(rkeClustermeshPlaybook()).find((p) => p.play === 'ClusterMesh verification')!;
    expect(plain.tasks).toEqual([]);
  });

  it('refuses two clusters with the same cluster_cidr or overlapping MetalLB ranges before connecting', async () => {
    const inv = await loadInventory(inventory('openstack'));
    let message = '';
    try {
      validatePlaybook(rkeClustermeshPlaybook(), inv, { extraVars: { pod_cidr: '10.42.0.0/16', metallb_range: '10.195.197.190-10.195.197.199' } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('cluster1 pod_cidr 10.42.0.0/16 overlaps cluster2 pod_cidr 10.42.0.0/16');
    expect(message).toContain('cluster1 metallb_range 10.195.197.190-10.195.197.199 overlaps cluster2 metallb_range 10.195.197.190-10.195.197.199');
  });
});

describe('paths the inventory names belong to its directory (Ansible inventory_dir)', () => {
  const REPO = fileURLToPath(new URL('../../../../', import.meta.url)).replace(/\/$/, '');
  it("lab-rke: cluster.yml's ssh_key_path is the key SSH uses; rke_binary and clouds.yaml from the repository", async () => {
    const inv = await loadInventory(inventory('lab-rke'));
    const hostvars = (name: string) => ({ inventory_dir: inv.baseDir, ...inv.hosts.get(name)!.vars });
    const host = { name: NODES[0]!, vars: hostvars(NODES[0]!), groups: { k8s_nodes: NODES }, hostvars } as unknown as Parameters<typeof rkeClustersOf>[0];
    const [cluster1] = rkeClustersOf(host);
    expect(cluster1!.members.map((m) => m.vars.ansible_ssh_private_key_file)).toEqual([`${REPO}/.lab/rke/id_ed25519`, `${REPO}/.lab/rke/id_ed25519`, `${REPO}/.lab/rke/id_ed25519`]);
    expect(inv.hosts.get(NODES[0]!)!.connection.privateKeyFile).toBe(`${REPO}/.lab/rke/id_ed25519`);
    expect(inventoryRelative(String(host.vars['rke_binary']), inv.baseDir)).toBe(`${REPO}/packages/doubles/dist/bin/rke.cjs`);
    expect(inventoryRelative(String(host.vars['openstack_clouds_file']), inv.baseDir)).toBe(`${REPO}/.lab/rke/openstack/clouds.yaml`);
  });

  it('~ and absolute paths are left as they are (rke expands ~ itself)', () => {
    expect(inventoryRelative('~/.ssh/id_rsa', '/inv')).toBe('~/.ssh/id_rsa');
    expect(inventoryRelative('/abs/key', '/inv')).toBe('/abs/key');
    expect(inventoryRelative('keys/id', '/inv')).toBe('/inv/keys/id');
  });
});
