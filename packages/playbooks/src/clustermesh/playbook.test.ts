import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listHosts, listTasks, loadInventory, validatePlaybook } from '@meshbook/engine';
import { clustermeshPlaybook } from './playbook.js';
import { ciliumValues } from '../roles/cilium.js';

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
        { play: 'Kubernetes clusters by kubeadm', hosts: ['jin-kazuha-master-1', 'jin-kazuha-worker-1', 'jin-ayaka-master-1', 'jin-ayaka-worker-1'] },
        { play: 'Cilium on every cluster', hosts: ['jin-kazuha-master-1', 'jin-ayaka-master-1'] },
        { play: 'Cilium ClusterMesh between the clusters', hosts: ['jin-kazuha-master-1', 'jin-ayaka-master-1'] },
        { play: 'ClusterMesh verification', hosts: ['jin-kazuha-master-1', 'jin-ayaka-master-1'] },
      ]);
    });
  }

  it('lists every step of seed 000 as a task, 000-01 to 000-21', () => {
    // `--list-tasks --tags all,verify`: the verification is tagged never, so a plain listing leaves it out
    const tasks = listTasks(clustermeshPlaybook(), { tags: ['all', 'verify'] }).flatMap((p) => p.tasks.map((t) => t.name));
    const steps: Record<string, RegExp[]> = {
      '000-01': [/WireGuard interface/],
      '000-02': [/overlay and br_netfilter/],
      '000-03': [/sysctl/],
      '000-04': [/\/etc\/hosts by upstream/, /\/etc\/hosts by wg0/],
      '000-05': [/Docker's apt key/, /Docker's apt repository/, /containerd installed/],
      '000-06': [/SystemdCgroup/],
      '000-07': [/Kubernetes apt key/, /Kubernetes apt repository/, /kubelet kubeadm kubectl installed at the pinned version and held/, /apt-transport-https vim git curl wget/],
      '000-08': [/kubeadm-init\.yaml/],
      '000-09': [/^kubeadm init --skip-phases=addon\/kube-proxy --upload-certs$/],
      '000-10': [/~\/\.kube\/config from admin\.conf/],
      '000-11': [/kubeadm kubeconfig user --client-name=kubernetes-admin-/],
      '000-12': [/bash completion and alias k=kubectl/],
      '000-13': [/token create --print-join-command/, /kubeadm join on the workers/],
      '000-14': [/every cluster's context in ~\/\.kube\/config/],
      '000-15': [/cilium-cli \(stable version, sha256 checked\)/],
      '000-16': [/Helm's apt key/, /Helm's apt repository/, /helm installed/, /helm repo add cilium/],
      '000-17': [/Cilium installed by helm/],
      '000-18': [/clustermesh enable --service-type/],
      '000-19': [/cilium-ca Secret of cluster 1 read/, /cilium-ca of cluster 1 in this cluster/],
      '000-20': [/clustermesh connect/],
      '000-21': [/clustermesh status --wait/, /node list shows every cluster's nodes/, /rebel-base has backends in every cluster/, /failover/],
    };
    const missing = Object.entries(steps).flatMap(([step, patterns]) => patterns.filter((p) => !tasks.some((t) => p.test(t))).map((p) => `${step} ${p}`));
    expect(missing).toEqual([]);
  });

  it('keeps the verification out of a plain run: its tasks are tagged verify and never', () => {
    const plain = listTasks(clustermeshPlaybook()).find((p) => p.play === 'ClusterMesh verification')!;
    expect(plain.tasks).toEqual([]);
    const verify = listTasks(clustermeshPlaybook(), { tags: ['verify'] }).find((p) => p.play === 'ClusterMesh verification')!;
    expect(verify.tasks.length).toBeGreaterThan(0);
    for (const t of verify.tasks) expect(t.tags).toEqual(['verify', 'never']);
  });

  it("maps the seed's Cilium values by the pinned chart version", () => {
    const base = { cluster_name: 'cluster-ayk', cluster_id: 1, apiHost: 'jin-ayaka-master-1', apiPort: 6443 };
    const old = ciliumValues({ ...base, chartVersion: '1.14.4' });
    expect(old).toMatchObject({ tunnel: 'vxlan', kubeProxyReplacement: 'strict', cluster: { name: 'cluster-ayk', id: 1 }, k8sServiceHost: 'jin-ayaka-master-1' });
    const renamed = ciliumValues({ ...base, chartVersion: '1.16.5' });
    expect(renamed).toMatchObject({ routingMode: 'tunnel', tunnelProtocol: 'vxlan', kubeProxyReplacement: true });
    expect(renamed).not.toHaveProperty('tunnel');
  });

  it('refuses a cluster name longer than 32 characters, naming the host and the limit', async () => {
    const inv = await loadInventory(inventory('hetzner'));
    expect(() => validatePlaybook(clustermeshPlaybook(), inv, { extraVars: { cluster_name: 'a'.repeat(33) } })).toThrow(/variable "cluster_name": at most 32 characters/);
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
