/** MetalLB's IPAddressPool CRD as the chart installs it (schema left open): what the MetalLB controller double watches. */
export const metallbIpAddressPoolCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'ipaddresspools.metallb.io' },
  spec: {
    group: 'metallb.io',
    names: { kind: 'IPAddressPool', listKind: 'IPAddressPoolList', plural: 'ipaddresspools', singular: 'ipaddresspool' },
    scope: 'Namespaced',
    versions: [{ name: 'v1beta1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
