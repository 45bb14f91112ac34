import { definePlaybook, type Playbook } from '@meshbook/engine';
import { ciliumRole } from '../roles/cilium.js';
import { clustermeshRole } from '../roles/clustermesh.js';
import { clustermeshVerifyRole } from '../roles/clustermesh-verify.js';
import { containerdRole } from '../roles/containerd.js';
import { kubeadmClusterRole } from '../roles/kubeadm-cluster.js';
import { kubernetesPackagesRole } from '../roles/kubernetes-packages.js';
import { clusterHostsRole, kernelModulesRole, kubernetesSysctlRole } from '../roles/kubernetes-node.js';
import { playOf } from '../roles/role.js';
import { wireguardMeshRole, type WireguardMeshOptions } from '../roles/wireguard-mesh.js';
import { clusterNodeVars, clusterProblems, wireguardMemberVars } from './vars.js';

export interface ClustermeshOptions {
  wireguard?: WireguardMeshOptions;
}

const clusterPlay = { varsSchema: clusterNodeVars, validateHosts: clusterProblems };

/**
 * Seed 000 (kubeadm + WireGuard + Cilium ClusterMesh): the WireGuard mesh through the server;
 * every cluster node prepared (modules, sysctls, /etc/hosts, containerd, the Kubernetes
 * packages); the clusters by kubeadm with every cluster's context on every master; Cilium by helm;
 * ClusterMesh enabled and connected; the verification behind the `verify` tag.
 */
export function clustermeshPlaybook(options: ClustermeshOptions = {}): Playbook {
  return definePlaybook({
    name: 'clustermesh',
    plays: [
      playOf({ name: 'WireGuard mesh through the server', hosts: 'wireguard', varsSchema: wireguardMemberVars }, [wireguardMeshRole(options.wireguard)]),
      playOf({ name: 'Kubernetes node preparation', hosts: 'k8s_nodes', ...clusterPlay }, [
        kernelModulesRole(),
        kubernetesSysctlRole(),
        clusterHostsRole(),
        containerdRole(),
        kubernetesPackagesRole(),
      ]),
      playOf({ name: 'Kubernetes clusters by kubeadm', hosts: 'k8s_nodes', ...clusterPlay }, [kubeadmClusterRole()]),
      playOf({ name: 'Cilium on every cluster', hosts: 'masters', ...clusterPlay }, [ciliumRole()]),
      playOf({ name: 'Cilium ClusterMesh between the clusters', hosts: 'masters', ...clusterPlay }, [clustermeshRole()]),
      playOf({ name: 'ClusterMesh verification', hosts: 'masters', ...clusterPlay }, [clustermeshVerifyRole()]),
    ],
  });
}
