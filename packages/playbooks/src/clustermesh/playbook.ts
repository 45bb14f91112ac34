import { definePlaybook, type Playbook } from '@meshbook/engine';
import { containerdRole } from '../roles/containerd.js';
import { clusterHostsRole, kernelModulesRole, kubernetesSysctlRole } from '../roles/kubernetes-node.js';
import { playOf } from '../roles/role.js';
import { wireguardMeshRole, type WireguardMeshOptions } from '../roles/wireguard-mesh.js';
import { clusterNodeVars, clusterProblems, wireguardMemberVars } from './vars.js';

export interface ClustermeshOptions {
  wireguard?: WireguardMeshOptions;
}

/**
 * Seed 000 (kubeadm + WireGuard + Cilium ClusterMesh), first slice: the WireGuard mesh through the
 * server, then every cluster node prepared below Kubernetes. Later slices add kubeadm, Cilium and
 * ClusterMesh as further plays on the same inventory.
 */
export function clustermeshPlaybook(options: ClustermeshOptions = {}): Playbook {
  return definePlaybook({
    name: 'clustermesh',
    plays: [
      playOf({ name: 'WireGuard mesh through the server', hosts: 'wireguard', varsSchema: wireguardMemberVars }, [wireguardMeshRole(options.wireguard)]),
      playOf(
        { name: 'Kubernetes node preparation', hosts: 'k8s_nodes', varsSchema: clusterNodeVars, validateHosts: clusterProblems },
        [kernelModulesRole(), kubernetesSysctlRole(), clusterHostsRole(), containerdRole()],
      ),
    ],
  });
}
