export { kubeadmConfig, DEFAULT_KUBEADM_CONFIG } from './config.js';
export { kubeadmInit, ADMIN_CONF, type KubeadmInitOutput } from './init.js';
export { kubeadmJoinCommand } from './join-command.js';
export { kubeadmJoin, KUBELET_CONF } from './join.js';
export { kubeadmKubeconfigUser } from './kubeconfig-user.js';
export type { JoinCommand } from './output.js';
export { kubeadmVersion, type KubeadmVersion } from './version.js';
export { kubeadmNode, type KubeadmNodeState } from './node.js';
