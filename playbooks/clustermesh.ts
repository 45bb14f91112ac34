// Seed 000: two kubeadm clusters joined by WireGuard, Cilium ClusterMesh between them.
//   npx meshbook run playbooks/clustermesh.ts -i inventories/lab
// The plays and roles live in @meshbook/playbooks so other automation can import them.
import { clustermeshPlaybook } from '@meshbook/playbooks';

export default clustermeshPlaybook();
