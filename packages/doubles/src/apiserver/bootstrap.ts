// What a fresh real API server has before anyone writes: the four system namespaces, the bootstrap
// RBAC policy kubeadm builds on (cluster-admin bound to system:masters, discovery for everyone
// authenticated), and the `kubernetes` Service with its endpoints.
import { ensure, modify } from './internal-client.js';
import type { Context } from './rest.js';

const RBAC = 'rbac.authorization.k8s.io';
const ALL = ['*'];
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

const clusterRoles: Array<{ name: string; rules: unknown[] }> = [
  { name: 'cluster-admin', rules: [{ apiGroups: ALL, resources: ALL, verbs: ALL }, { nonResourceURLs: ALL, verbs: ALL }] },
  { name: 'admin', rules: [{ apiGroups: ALL, resources: ALL, verbs: [...READ, ...WRITE] }] },
  { name: 'edit', rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.k8s.io', 'policy', 'autoscaling'], resources: ALL, verbs: [...READ, ...WRITE] }] },
  { name: 'view', rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.k8s.io', 'policy', 'autoscaling'], resources: ALL, verbs: READ }] },
  { name: 'system:discovery', rules: [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] }] },
  { name: 'system:basic-user', rules: [{ apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] }] },
  { name: 'system:public-info-viewer', rules: [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }] },
  { name: 'system:node-bootstrapper', rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create', 'get', 'list', 'watch'] }] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/nodeclient'], verbs: ['create'] }] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/selfnodeclient'], verbs: ['create'] }] },
];

const clusterRoleBindings: Array<{ name: string; role: string; groups: string[] }> = [
  { name: 'cluster-admin', role: 'cluster-admin', groups: ['system:masters'] },
  { name: 'system:discovery', role: 'system:discovery', groups: ['system:authenticated'] },
  { name: 'system:basic-user', role: 'system:basic-user', groups: ['system:authenticated'] },
  { name: 'system:public-info-viewer', role: 'system:public-info-viewer', groups: ['system:authenticated', 'system:unauthenticated'] },
];

export function bootstrap(ctx: Context, advertiseAddress: string, securePort: number): void {
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    ensure(ctx, '', 'namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  const bootstrapLabels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
  for (const role of clusterRoles) {
    ensure(ctx, RBAC, 'clusterroles', undefined, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: role.name, labels: bootstrapLabels, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } }, rules: role.rules });
  }
  for (const binding of clusterRoleBindings) {
    ensure(ctx, RBAC, 'clusterrolebindings', undefined, {
      apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: binding.name, labels: bootstrapLabels, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: binding.role },
      subjects: binding.groups.map((name) => ({ apiGroup: RBAC, kind: 'Group', name })),
    });
  }
  ensure(ctx, '', 'services', 'default', {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: ctx.allocator.firstAddress, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: securePort }] },
  });
  const subsets = [{ addresses: [{ ip: advertiseAddress }], ports: [{ name: 'https', port: securePort, protocol: 'TCP' }] }];
  ensure(ctx, '', 'endpoints', 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default' }, subsets });
  modify(ctx, '', 'endpoints', 'default', 'kubernetes', (o) => {
    o.subsets = subsets;
  });
  const endpoints = [{ addresses: [advertiseAddress], conditions: { ready: true } }];
  const slicePorts = [{ name: 'https', port: securePort, protocol: 'TCP' }];
  ensure(ctx, 'discovery.k8s.io', 'endpointslices', 'default', {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4', endpoints, ports: slicePorts,
  });
  modify(ctx, 'discovery.k8s.io', 'endpointslices', 'default', 'kubernetes', (o) => {
    o.endpoints = endpoints;
    o.ports = slicePorts;
  });
}
