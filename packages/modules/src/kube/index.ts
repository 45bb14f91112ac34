export { kubeResource, FIELD_MANAGER } from './resource.js';
export type { KubeResourceInput, KubeTargetInput, KubeWaitInput, KubeResourceChange, KubeResourceFacts, KubeResourceOutput, KubeResourceParams } from './resource.js';
export { kubeResourceInfo, type KubeResourceInfoInput } from './info.js';
export type { KubeObject } from './objects.js';
export { parseKubeconfig } from './kubeconfig.js';
export type { KubeCredentials } from './kubeconfig.js';
export { kubeLoadBalancerAddress, loadBalancerAddressOf } from './load-balancer-address.js';
export type { KubeLoadBalancerAddressInput, LoadBalancerAddress } from './load-balancer-address.js';
