import { stringify } from 'yaml';
import { renderClusterInfoKubeconfig } from '../pki/kubeconfig.js';
import type { ApiClient } from './api-client.js';
import { ApiError } from './api-client.js';
import type { BootstrapTokenSpec, InitConfig } from './config.js';
import { CLUSTER_ADMINS_GROUP } from './kubeconfig-phase.js';
import { bootstrapTokenSecret, detachedJws, splitToken } from './token.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const NODE_BOOTSTRAP_GROUP = 'system:bootstrappers:kubeadm:default-node-token';

function clusterRoleBinding(name: string, clusterRole: string, subject: { kind: string; name: string }) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
  };
}

/** The binding that gives admin.conf's group cluster-admin (made with super-admin.conf, as kubeadm). */
export async function bindClusterAdmins(superAdmin: ApiClient): Promise<void> {
  await superAdmin.createOrUpdate(`${RBAC}/clusterrolebindings`, clusterRoleBinding(CLUSTER_ADMINS_GROUP, 'cluster-admin', { kind: 'Group', name: CLUSTER_ADMINS_GROUP }));
}

/** kubeadm's `upload-config`: the ClusterConfiguration and the kubelets' config, readable by joining nodes. */
export async function uploadConfig(client: ApiClient, config: InitConfig, kubeletConfig: Record<string, unknown>, out: (line: string) => void): Promise<void> {
  out('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace');
  await client.createOrUpdate('/api/v1/namespaces/kube-system/configmaps', {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubeadm-config', namespace: 'kube-system' },
    data: { ClusterConfiguration: stringify(config.clusterConfiguration) },
  });
  await readableByNodes(client, 'kubeadm:nodes-kubeadm-config', 'kubeadm-config');
  out('[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster');
  await client.createOrUpdate('/api/v1/namespaces/kube-system/configmaps', {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubelet-config', namespace: 'kube-system' },
    data: { kubelet: stringify(kubeletConfig) },
  });
  await readableByNodes(client, 'kubeadm:kubelet-config', 'kubelet-config');
}

async function readableByNodes(client: ApiClient, roleName: string, configMap: string): Promise<void> {
  await client.createOrUpdate(`${RBAC}/namespaces/kube-system/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: roleName, namespace: 'kube-system' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [configMap], verbs: ['get'] }],
  });
  await client.createOrUpdate(`${RBAC}/namespaces/kube-system/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: roleName, namespace: 'kube-system' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
    subjects: [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: NODE_BOOTSTRAP_GROUP },
    ],
  });
}

/** Waits for the kubelet to register the node, then labels and taints it as a control-plane node. */
export async function markControlPlane(client: ApiClient, config: InitConfig, out: (line: string) => void, timeoutMs = 240_000): Promise<void> {
  const labels = ['node-role.kubernetes.io/control-plane', 'node.kubernetes.io/exclude-from-external-load-balancers'];
  out(`[mark-control-plane] Marking the node ${config.nodeName} as control-plane by adding the labels: [${labels.join(' ')}]`);
  if (config.taints.length > 0) {
    out(`[mark-control-plane] Marking the node ${config.nodeName} as control-plane by adding the taints [${config.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(' ')}]`);
  }
  const path = `/api/v1/nodes/${encodeURIComponent(config.nodeName)}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const node = await client.get<{ spec?: { taints?: unknown[] } }>(path);
      const existing = (node.spec?.taints ?? []) as Array<{ key: string; effect: string }>;
      const taints = [...existing.filter((t) => !config.taints.some((n) => n.key === t.key && n.effect === t.effect)), ...config.taints];
      await client.mergePatch(path, { metadata: { labels: Object.fromEntries(labels.map((l) => [l, ''])) }, spec: { taints } });
      return;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404 || Date.now() > deadline) {
        throw new Error(`error patching node "${config.nodeName}" through apiserver: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Creates (or replaces) a bootstrap token and signs cluster-info with it, as the bootstrap signer would. */
export async function createBootstrapToken(client: ApiClient, spec: BootstrapTokenSpec): Promise<void> {
  await client.createOrUpdate('/api/v1/namespaces/kube-system/secrets', bootstrapTokenSecret(spec));
  await signClusterInfo(client);
}

/**
 * The bootstrap signer's job (kube-controller-manager, absent here): every token usable for
 * signing gets its detached JWS of the cluster-info kubeconfig, and stale signatures go.
 */
export async function signClusterInfo(client: ApiClient): Promise<void> {
  // two `token create` at once both re-sign: the one that loses the resourceVersion race reads again
  for (let attempt = 1; ; attempt++) {
    try {
      return await signClusterInfoOnce(client);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 409 || attempt >= 5) throw error;
    }
  }
}

async function signClusterInfoOnce(client: ApiClient): Promise<void> {
  const path = '/api/v1/namespaces/kube-public/configmaps/cluster-info';
  const clusterInfo = await client.get<{ data?: Record<string, string>; metadata: { resourceVersion?: string } }>(path);
  const kubeconfig = clusterInfo.data?.kubeconfig;
  if (!kubeconfig) throw new Error('the cluster-info ConfigMap has no kubeconfig');
  const secrets = await client.get<{ items: Array<{ type?: string; data?: Record<string, string> }> }>('/api/v1/namespaces/kube-system/secrets');
  const data: Record<string, string> = { kubeconfig };
  for (const secret of secrets.items) {
    if (secret.type !== 'bootstrap.kubernetes.io/token' || !secret.data) continue;
    const field = (k: string) => (secret.data![k] ? Buffer.from(secret.data![k]!, 'base64').toString() : '');
    if (field('usage-bootstrap-signing') !== 'true') continue;
    const expiration = field('expiration');
    if (expiration && Date.parse(expiration) < Date.now()) continue;
    data[`jws-kubeconfig-${field('token-id')}`] = detachedJws(kubeconfig, field('token-id'), field('token-secret'));
  }
  await client.request('PUT', path, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public', resourceVersion: clusterInfo.metadata.resourceVersion }, data });
}

/** kubeadm's `bootstrap-token` phase. */
export async function bootstrapTokenPhase(client: ApiClient, config: InitConfig, caCert: string, server: string, out: (line: string) => void): Promise<void> {
  for (const token of config.bootstrapTokens) out(`[bootstrap-token] Using token: ${token.token}`);
  out('[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles');
  for (const token of config.bootstrapTokens) {
    splitToken(token.token);
    await client.createOrUpdate('/api/v1/namespaces/kube-system/secrets', bootstrapTokenSecret(token));
  }
  out('[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes');
  await client.createOrUpdate(`${RBAC}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'kubeadm:get-nodes' },
    rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
  });
  await client.createOrUpdate(`${RBAC}/clusterrolebindings`, clusterRoleBinding('kubeadm:get-nodes', 'kubeadm:get-nodes', { kind: 'Group', name: NODE_BOOTSTRAP_GROUP }));
  out('[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials');
  await client.createOrUpdate(`${RBAC}/clusterrolebindings`, clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', { kind: 'Group', name: NODE_BOOTSTRAP_GROUP }));
  out('[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token');
  await client.createOrUpdate(`${RBAC}/clusterrolebindings`, clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', { kind: 'Group', name: NODE_BOOTSTRAP_GROUP }));
  out('[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster');
  await client.createOrUpdate(`${RBAC}/clusterrolebindings`, clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', { kind: 'Group', name: 'system:nodes' }));
  out('[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace');
  await client.createOrUpdate('/api/v1/namespaces/kube-public/configmaps', {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' },
    data: { kubeconfig: renderClusterInfoKubeconfig(server, caCert) },
  });
  await client.createOrUpdate(`${RBAC}/namespaces/kube-public/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get'] }],
  });
  await client.createOrUpdate(`${RBAC}/namespaces/kube-public/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeadm:bootstrap-signer-clusterinfo' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
  });
  await signClusterInfo(client);
}
