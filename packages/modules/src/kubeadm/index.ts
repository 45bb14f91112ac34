export { kubeadmConfig, DEFAULT_KUBEADM_CONFIG, type KubeadmConfigInput, type KubeadmConfigChange } from './config.js';
export { kubeadmInit, ADMIN_CONF, type KubeadmInitInput, type KubeadmInitChange, type KubeadmInitOutput } from './init.js';
export { kubeadmJoinCommand, type KubeadmJoinCommandInput, type KubeadmJoinCommandChange } from './join-command.js';
export { kubeadmJoin, KUBELET_CONF, type KubeadmJoinInput, type KubeadmJoinChange, type KubeadmJoinCommandValue } from './join.js';
export { kubeadmKubeconfigUser, type KubeadmKubeconfigUserInput, type KubeadmKubeconfigUserChange, type KubeconfigUserFacts } from './kubeconfig-user.js';
export type { JoinCommand } from './output.js';
export { kubeadmVersion, type KubeadmVersion } from './version.js';
export { kubeadmNode, type KubeadmNodeInput, type KubeadmNodeState } from './node.js';
