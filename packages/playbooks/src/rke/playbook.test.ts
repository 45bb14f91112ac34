import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listHosts, listTasks, loadInventory, validatePlaybook } from '@meshbook/engine';
import { rkeClustermeshPlaybook } from './playbook.js';

const inventory = (name: string) => fileURLToPath(new URL(`../../../../inventories/${name}`, import.meta.url));
const NODES = ['k8s-cluster1-node-0', 'k8s-cluster1-node-1', 'k8s-cluster1-node-2', 'k8s-cluster2-node-0', 'k8s-cluster2-node-1', 'k8s-cluster2-node-2'];

/** Offline only: inventories/openstack holds other people's real addresses; nothing here connects. */
describe('rke-clustermesh.ts against the seed 004 inventories, offline', () => {
  for (const name of ['openstack', 'lab-rke']) {
    it(`${name}: validates and plans on the seed's six nodes`, async () => {
      const inv = await loadInventory(inventory(name));
      const playbook = rkeClustermeshPlaybook();
      expect(() => validatePlaybook(playbook, inv)).not.toThrow();
      expect(listHosts(playbook, inv)).toEqual([{ play: 'RKE nodes and clusters', hosts: NODES }]);
    });
  }

  it('lists the written seed steps in order (004-02..004-05)', () => {
    const tasks = listTasks(rkeClustermeshPlaybook()).flatMap((p) => p.tasks.map((t) => t.name));
    const steps = [/docker\.io/, /docker group/, /bpffs/, /cluster directory/, /cluster\.yml/, /rke up/];
    expect(steps.map((s) => tasks.findIndex((t) => s.test(t)))).toEqual([0, 1, 2, 3, 4, 5]);
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
