export { ciliumCli, ciliumCliState, type CiliumCliChange, type CiliumCliFacts } from './cli-install.js';
export { ciliumClustermesh, ciliumClustermeshConnect, ciliumClustermeshStatus } from './clustermesh.js';
export type { ClustermeshConnectChange, ClustermeshEnableChange } from './clustermesh.js';
export { clustermeshStatus, parseClustermeshStatus, type ClustermeshState, type ClustermeshStatusJson } from './cilium-cli.js';
export { ciliumMeshNodes, ciliumGlobalServiceBackends } from './verify.js';
