// The kinds the double serves: what discovery lists and the router accepts. Built-in kinds are
// fixed; CustomResourceDefinitions add theirs at runtime (see `crdKinds`).

export interface ResourceKind {
  group: string;
  version: string;
  /** plural, lowercase: the URL segment */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** subresources beyond the object itself, e.g. status */
  subresources?: string[];
  /** generation counts spec changes (workloads, custom resources) */
  hasGeneration?: boolean;
  /** for custom resources: the CRD's openAPIV3Schema and printer columns */
  schema?: Record<string, unknown>;
  printerColumns?: PrinterColumn[];
  /** a custom resource kind (JSON merge patch only, no strategic merge) */
  custom?: boolean;
  /** create-only kinds answered and not stored (the self reviews) */
  review?: boolean;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const k = (group: string, version: string, resource: string, kind: string, namespaced: boolean, extra: Partial<ResourceKind> = {}): ResourceKind => ({
  group, version, resource, kind, namespaced, singular: kind.toLowerCase(), ...extra,
});

export const BUILTIN_KINDS: ResourceKind[] = [
  k('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  k('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  k('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  k('', 'v1', 'secrets', 'Secret', true),
  k('', 'v1', 'services', 'Service', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  k('', 'v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'] }),
  k('', 'v1', 'pods', 'Pod', true, { shortNames: ['po'], categories: ['all'], subresources: ['status'] }),
  k('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  k('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  k('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, { shortNames: ['pvc'], subresources: ['status'] }),
  k('', 'v1', 'persistentvolumes', 'PersistentVolume', false, { shortNames: ['pv'], subresources: ['status'] }),
  k('', 'v1', 'resourcequotas', 'ResourceQuota', true, { shortNames: ['quota'], subresources: ['status'] }),
  k('', 'v1', 'limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  k('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], hasGeneration: true }),
  k('apps', 'v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'], categories: ['all'], subresources: ['status'], hasGeneration: true }),
  k('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], hasGeneration: true }),
  k('apps', 'v1', 'statefulsets', 'StatefulSet', true, { shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'], hasGeneration: true }),
  k('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  k('', 'v1', 'podtemplates', 'PodTemplate', true),
  k('', 'v1', 'replicationcontrollers', 'ReplicationController', true, { shortNames: ['rc'], categories: ['all'], subresources: ['status', 'scale'], hasGeneration: true }),
  k('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, { shortNames: ['hpa'], categories: ['all'], subresources: ['status'] }),
  k('node.k8s.io', 'v1', 'runtimeclasses', 'RuntimeClass', false),
  k('storage.k8s.io', 'v1', 'csidrivers', 'CSIDriver', false),
  k('storage.k8s.io', 'v1', 'csinodes', 'CSINode', false),
  k('storage.k8s.io', 'v1', 'volumeattachments', 'VolumeAttachment', false, { subresources: ['status'] }),
  k('batch', 'v1', 'jobs', 'Job', true, { categories: ['all'], subresources: ['status'], hasGeneration: true }),
  k('batch', 'v1', 'cronjobs', 'CronJob', true, { shortNames: ['cj'], categories: ['all'], subresources: ['status'], hasGeneration: true }),
  k('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  k('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  k('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  k('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  k('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  k('certificates.k8s.io', 'v1', 'certificatesigningrequests', 'CertificateSigningRequest', false, { shortNames: ['csr'], subresources: ['status', 'approval'] }),
  k('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, { shortNames: ['crd', 'crds'], subresources: ['status'], hasGeneration: true }),
  k('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  k('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, { shortNames: ['netpol'], hasGeneration: true }),
  k('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, { shortNames: ['ing'], subresources: ['status'], hasGeneration: true }),
  k('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false),
  k('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, { shortNames: ['pdb'], subresources: ['status'], hasGeneration: true }),
  k('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, { shortNames: ['pc'] }),
  k('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, { shortNames: ['sc'] }),
  k('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false),
  k('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false),
  k('events.k8s.io', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  k('authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', false, { review: true }),
  k('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, { review: true }),
];

/** The kinds a stored CRD makes servable: one per served version. */
export function crdKinds(crd: Record<string, any>): ResourceKind[] {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  const established = (crd.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
  if (!established) return [];
  return (spec.versions ?? []).filter((v: any) => v.served).map((v: any): ResourceKind => ({
    group: spec.group,
    version: v.name,
    resource: names.plural,
    singular: names.singular ?? String(names.kind ?? '').toLowerCase(),
    kind: names.kind,
    namespaced: spec.scope !== 'Cluster',
    shortNames: names.shortNames,
    categories: names.categories,
    subresources: v.subresources?.status ? ['status'] : [],
    hasGeneration: true,
    custom: true,
    schema: v.schema?.openAPIV3Schema,
    printerColumns: v.additionalPrinterColumns,
  }));
}

export function apiVersionOf(kind: { group: string; version: string }): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}
