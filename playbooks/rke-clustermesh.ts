// Seed 004: two RKE clusters on Docker, MetalLB and Cilium ClusterMesh between them.
//   npx meshbook run playbooks/rke-clustermesh.ts -i inventories/openstack
// RKE1 is end of life (July 2025); RKE2 is its successor. This playbook is for the seed as written.
import { rkeClustermeshPlaybook } from '@meshbook/playbooks';

export default rkeClustermeshPlaybook();
