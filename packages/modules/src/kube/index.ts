export { kubeResource, FIELD_MANAGER } from './resource.js';
export type { KubeResourceChange, KubeResourceFacts, KubeResourceOutput, KubeResourceParams } from './resource.js';
export { kubeResourceInfo } from './info.js';
export type { KubeObject } from './objects.js';
export { parseKubeconfig } from './kubeconfig.js';
export type { KubeCredentials } from './kubeconfig.js';
export { kubeLoadBalancerAddress, loadBalancerAddressOf } from './load-balancer-address.js';
export type { LoadBalancerAddress } from './load-balancer-address.js';
