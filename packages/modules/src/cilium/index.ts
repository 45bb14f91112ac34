export { ciliumCli, ciliumCliState, type CiliumCliInput, type CiliumCliChange, type CiliumCliFacts } from './cli-install.js';
export { ciliumClustermesh, ciliumClustermeshConnect, ciliumClustermeshStatus } from './clustermesh.js';
export type { CiliumClustermeshInput, CiliumClustermeshConnectInput, CiliumClustermeshStatusInput, ClustermeshConnectChange, ClustermeshEnableChange } from './clustermesh.js';
export { clustermeshStatus, parseClustermeshStatus, type CiliumTarget, type ClustermeshState, type ClustermeshStatusJson } from './cilium-cli.js';
export { ciliumMeshNodes, ciliumGlobalServiceBackends, type CiliumMeshNodesInput, type CiliumGlobalServiceBackendsInput } from './verify.js';
