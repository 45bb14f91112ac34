import { definePlaybook, type Playbook } from '@meshbook/engine';
import { bpffsRole, dockerRole, rkeClusterRole } from '../roles/rke-cluster.js';
import { playOf } from '../roles/role.js';
import { rkeClusterProblems, rkeNodeVars } from './vars.js';

/**
 * Seed 004 (OpenStack + RKE + MetalLB + Cilium ClusterMesh), as far as it is written: Docker and
 * bpffs on every node, then one cluster.yml and one `rke up` per cluster from the controller.
 * RKE1 is end of life (July 2025; RKE2 is its successor): this playbook is for the seed as written.
 */
export function rkeClustermeshPlaybook(): Playbook {
  return definePlaybook({
    name: 'rke-clustermesh',
    plays: [
      playOf(
        { name: 'RKE nodes and clusters', hosts: 'k8s_nodes', varsSchema: rkeNodeVars, validateHosts: rkeClusterProblems },
        [dockerRole(), bpffsRole(), rkeClusterRole()],
      ),
    ],
  });
}
