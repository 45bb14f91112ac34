import { definePlaybook, type Playbook } from '@meshbook/engine';
import { ciliumRole } from '../roles/cilium.js';
import { clustermeshConnectRole, clustermeshEnableRole } from '../roles/clustermesh.js';
import { clustermeshEndpointRole, openstackAllowedAddressRole } from '../roles/clustermesh-endpoint.js';
import { clustermeshVerifyRole } from '../roles/clustermesh-verify.js';
import { onlyWhere } from '../roles/mesh-site.js';
import { kubectlRole } from '../roles/kubernetes-packages.js';
import { metallbRole } from '../roles/metallb.js';
import { bpffsRole, dockerRole, rkeClusterRole } from '../roles/rke-cluster.js';
import { isRkeMaster, rkeMeshKubeconfigRole, rkeMeshSite } from '../roles/rke-mesh-site.js';
import { playOf, type Role } from '../roles/role.js';
import { rkeClusterProblems, rkeMeshVars, rkeNodeVars } from './vars.js';

const nodes = { hosts: 'k8s_nodes', varsSchema: rkeNodeVars.extend(rkeMeshVars.shape), validateHosts: rkeClusterProblems };
/** Each cluster's steps on its first control-plane node: helm, kubectl and cilium reach its API from there. */
const onMasters = (role: Role) => onlyWhere(role, isRkeMaster);

/**
 * Seed 004 (OpenStack + RKE + MetalLB + Cilium ClusterMesh): Docker and bpffs on every node,
 * cluster.yml and `rke up` per cluster from the controller (004-02..004-05); then on each
 * cluster's first control-plane node every cluster's context and kubectl, Cilium by helm (004-06), MetalLB
 * with the cluster's layer-2 pool (004-07), ClusterMesh as a LoadBalancer whose address is read
 * back (004-08), that address allowed on every node's OpenStack ports (004-09), the clusters
 * connected (004-10) and, behind the `verify` tag, the mesh checked (004-11).
 * RKE1 is end of life (July 2025; RKE2 is its successor): this playbook is for the seed as written.
 */
export function rkeClustermeshPlaybook(): Playbook {
  const site = rkeMeshSite;
  return definePlaybook({
    name: 'rke-clustermesh',
    plays: [
      playOf({ name: 'RKE nodes and clusters', ...nodes }, [dockerRole(), bpffsRole(), rkeClusterRole()]),
      playOf({ name: 'Cilium and MetalLB on every cluster', ...nodes }, [rkeMeshKubeconfigRole(), kubectlRole(), ciliumRole(site), metallbRole(site)].map(onMasters)),
      playOf({ name: 'ClusterMesh endpoints as LoadBalancers', ...nodes }, [clustermeshEnableRole(site), clustermeshEndpointRole(site)].map(onMasters)),
      playOf({ name: 'ClusterMesh addresses allowed on the OpenStack ports', ...nodes }, [openstackAllowedAddressRole(site)]),
      playOf({ name: 'Cilium ClusterMesh between the clusters', ...nodes }, [clustermeshConnectRole(site)].map(onMasters)),
      playOf({ name: 'ClusterMesh verification', ...nodes }, [clustermeshVerifyRole(site)].map(onMasters)),
    ],
  });
}
