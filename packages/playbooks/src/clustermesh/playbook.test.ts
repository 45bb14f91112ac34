import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listHosts, listTasks, loadInventory, validatePlaybook } from '@meshbook/engine';
import { clustermeshPlaybook } from './playbook.js';

const inventory = (name: string) => fileURLToPath(new URL(`../../../../inventories/${name}`, import.meta.url));

/** Offline only: these inventories hold other people's real addresses; nothing here connects. */
describe('clustermesh.ts against the seed 000 inventories, offline', () => {
  for (const name of ['hetzner', 'lab']) {
    it(`${name}: validates and plans both plays on the seed's hosts`, async () => {
      const inv = await loadInventory(inventory(name));
      const playbook = clustermeshPlaybook();
      expect(() => validatePlaybook(playbook, inv)).not.toThrow();
      expect(listHosts(playbook, inv)).toEqual([
        { play: 'WireGuard mesh through the server', hosts: ['wg-server', 'jin-kazuha-master-1', 'jin-kazuha-worker-1', 'jin-ayaka-master-1', 'jin-ayaka-worker-1'] },
        { play: 'Kubernetes node preparation', hosts: ['jin-kazuha-master-1', 'jin-kazuha-worker-1', 'jin-ayaka-master-1', 'jin-ayaka-worker-1'] },
      ]);
    });
  }

  it('lists every seed step of the first slice as a task', () => {
    const tasks = listTasks(clustermeshPlaybook()).flatMap((p) => p.tasks.map((t) => t.name));
    for (const step of [/WireGuard interface/, /overlay and br_netfilter/, /sysctl/, /\/etc\/hosts by upstream/, /\/etc\/hosts by wg0/, /apt key/, /apt repository/, /containerd installed/, /SystemdCgroup/]) {
      expect(tasks.some((t) => step.test(t)), String(step)).toBe(true);
    }
  });

  it('rejects overlapping pod CIDRs and a shared cluster id, naming both clusters, before connecting', async () => {
    const inv = await loadInventory(inventory('hetzner'));
    let message = '';
    try {
      validatePlaybook(clustermeshPlaybook(), inv, { extraVars: { pod_cidr: '10.244.0.0/16', cluster_id: 3 } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('cluster-kzh pod_cidr 10.244.0.0/16 overlaps cluster-ayk pod_cidr 10.244.0.0/16');
    expect(message).toContain('clusters cluster-kzh and cluster-ayk share cluster_id 3');
  });

  it('names the host, the variable and what is expected for a bad value', async () => {
    const inv = await loadInventory(inventory('hetzner'));
    expect(() => validatePlaybook(clustermeshPlaybook(), inv, { extraVars: { cluster_id: 0 } })).toThrow(
      /host "jin-kazuha-master-1": variable "cluster_id": from 1 to 255/,
    );
  });
});
