export * from './roles/role.js';
export * from './roles/wireguard-mesh.js';
export * from './roles/kubernetes-node.js';
export * from './roles/containerd.js';
export * from './clustermesh/vars.js';
export * from './clustermesh/playbook.js';
