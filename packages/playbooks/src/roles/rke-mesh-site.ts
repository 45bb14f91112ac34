// Seed 004's clusters as the shared Cilium and ClusterMesh roles see them: each RKE cluster's first
// control-plane node runs its helm, kubectl and cilium steps, with every cluster's context in the
// login user's ~/.kube/config there (rke's kubeconfig names the address the controller dialled; a
// node reaches each API server at its control-plane node's cluster address).
import { resolve } from 'node:path';
import { resultRef, task, type HostContext } from '@meshbook/engine';
import { fetch, kubeconfig, type FetchOutput, type LoadBalancerAddress } from '@meshbook/modules';
import { rkeNodeVars, type RkeNodeVars } from '../rke/vars.js';
import { after, kubeDirOf, loginUser } from './cluster-topology.js';
import type { MeshCluster, MeshSite } from './mesh-site.js';
import type { Role } from './role.js';

const RKE_API_PORT = 6443;

/** The login user's ~/.kube/config on each cluster's first control-plane node, every cluster's context in it. */
export const rkeMeshKubeconfig = resultRef<{ path: string | null }>('rke_mesh_kubeconfig');
const rkeAdminKubeconfig = resultRef<FetchOutput>('rke_admin_kubeconfig');
/** 004-08: where the other clusters reach this cluster's clustermesh-apiserver (MetalLB's address). */
export const clustermeshAddress = resultRef<LoadBalancerAddress>('clustermesh_address');

interface RkeCluster extends MeshCluster {
  masterVars: RkeNodeVars;
  dir: string;
}

/** Every cluster of `k8s_nodes` in inventory order, its first control-plane node as its master. */
export function rkeMeshClusters(host: HostContext): RkeCluster[] {
  const found = new Map<string, RkeCluster>();
  for (const name of host.groups['k8s_nodes'] ?? []) {
    const v = rkeNodeVars.parse(host.hostvars(name));
    if (found.has(v.cluster_name) || !v.rke_roles.includes('controlplane')) continue;
    found.set(v.cluster_name, { name: v.cluster_name, id: v.cluster_id, master: name, context: v.cluster_name, masterVars: v, dir: resolve(v.rke_cluster_dir) });
  }
  return [...found.values()];
}

/** This host runs its cluster's Cilium, MetalLB and ClusterMesh steps. */
export const isRkeMaster = (host: HostContext) => rkeMeshClusters(host).some((c) => c.master === host.name);

const meshKubeconfigPath = (host: HostContext) => {
  after(host, rkeMeshKubeconfig);
  return `${kubeDirOf(host)}/config`;
};

export const rkeMeshSite: MeshSite = {
  clusters: rkeMeshClusters,
  kubeconfig: meshKubeconfigPath,
  apiServer: (host) => ({ host: rkeNodeVars.parse(host.vars).upstream_ip, port: RKE_API_PORT }),
  // RKE runs kube-proxy itself
  ciliumValues: () => ({ kubeProxyReplacement: false }),
  serviceType: () => 'LoadBalancer',
  serviceTypeLabel: 'LoadBalancer',
  endpoint: (host, cluster) => {
    const lb = host.output(clustermeshAddress, cluster.master);
    return `${lb.address}:${lb.port}`;
  },
};

type Host = HostContext<RkeNodeVars>;

/**
 * Every cluster's context on every master: each master reads its cluster's
 * kube_config_cluster.yml on the controller (a Secret), and the login user's ~/.kube/config merges
 * them, each cluster's server at its control-plane node's cluster address.
 */
export function rkeMeshKubeconfigRole(): Role {
  return {
    name: 'rke-kubeconfig',
    tasks: [
      task(fetch, (host: Host) => ({ path: `${resolve(host.vars.rke_cluster_dir)}/kube_config_cluster.yml`, secret: true }), {
        name: "this cluster's kube_config_cluster.yml read on the controller",
        delegateTo: 'localhost',
        register: rkeAdminKubeconfig,
      }),
      task(
        kubeconfig,
        (host: Host) => {
          const clusters = rkeMeshClusters(host);
          return {
            user: loginUser(host),
            kubeconfigs: clusters.map((c) => host.output(rkeAdminKubeconfig, c.master).content!),
            servers: Object.fromEntries(clusters.map((c) => [c.name, `https://${c.masterVars.upstream_ip}:${RKE_API_PORT}`])),
            currentContext: host.vars.cluster_name,
          };
        },
        { name: "every cluster's context in ~/.kube/config, each API server at its cluster address", register: rkeMeshKubeconfig },
      ),
    ],
  };
}
