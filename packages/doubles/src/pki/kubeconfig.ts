import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

/** What a client kubeconfig carries: one cluster, one user, one context (kubeadm's shape). */
export interface KubeconfigSpec {
  clusterName: string;
  server: string;
  caCert: string;
  userName: string;
  /** default kubeadm's `<user>@<cluster>`; RKE names the context after the cluster */
  contextName?: string;
  /** client certificate credentials, or a bearer token */
  clientCert?: string;
  clientKey?: string;
  token?: string;
  /** a client certificate kept in a file (the kubelet's rotated `kubelet-client-current.pem`) */
  clientCertFile?: string;
  clientKeyFile?: string;
}

const b64 = (pem: string): string => Buffer.from(pem).toString('base64');

/** The kubeconfig YAML kubeadm writes (admin.conf, kubelet.conf, `kubeadm kubeconfig user`). */
export function renderKubeconfig(spec: KubeconfigSpec): string {
  const contextName = spec.contextName ?? `${spec.userName}@${spec.clusterName}`;
  const user: Record<string, string> = {};
  if (spec.clientCert && spec.clientKey) {
    user['client-certificate-data'] = b64(spec.clientCert);
    user['client-key-data'] = b64(spec.clientKey);
  }
  if (spec.clientCertFile && spec.clientKeyFile) {
    user['client-certificate'] = spec.clientCertFile;
    user['client-key'] = spec.clientKeyFile;
  }
  if (spec.token) user.token = spec.token;
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(spec.caCert), server: spec.server }, name: spec.clusterName }],
    contexts: [{ context: { cluster: spec.clusterName, user: spec.userName }, name: contextName }],
    'current-context': contextName,
    kind: 'Config',
    preferences: {},
    users: [{ name: spec.userName, user }],
  }, { lineWidth: 0 });
}

/** Only the cluster part, as kubeadm puts it in the `cluster-info` ConfigMap (no user, no secrets). */
export function renderClusterInfoKubeconfig(server: string, caCert: string): string {
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(caCert), server }, name: '' }],
    contexts: null,
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: null,
  }, { lineWidth: 0 });
}

/** The parts of a kubeconfig a client needs, from its current context; paths are not followed. */
export interface ClientCredentials {
  server: string;
  caCert: string;
  clientCert?: string;
  clientKey?: string;
  token?: string;
}

/** Reads a kubeconfig's current context: embedded data, or the files it names (the kubelet's rotated cert). */
export function readKubeconfig(text: string): ClientCredentials {
  const config = parse(text) as {
    clusters?: Array<{ name: string; cluster: Record<string, string> }>;
    contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
    users?: Array<{ name: string; user: Record<string, string> }>;
    'current-context'?: string;
  };
  const context = config.contexts?.find((c) => c.name === config['current-context'])?.context;
  const cluster = (context ? config.clusters?.find((c) => c.name === context.cluster) : config.clusters?.[0])?.cluster;
  const user = context ? config.users?.find((u) => u.name === context.user)?.user : undefined;
  if (!cluster?.server || !cluster['certificate-authority-data']) {
    throw new Error('the kubeconfig has no cluster with a server and certificate-authority-data');
  }
  const unb64 = (v: string | undefined): string | undefined => (v ? Buffer.from(v, 'base64').toString() : undefined);
  const file = (v: string | undefined): string | undefined => (v ? readFileSync(v, 'utf8') : undefined);
  return {
    server: cluster.server,
    caCert: unb64(cluster['certificate-authority-data'])!,
    clientCert: unb64(user?.['client-certificate-data']) ?? file(user?.['client-certificate']),
    clientKey: unb64(user?.['client-key-data']) ?? file(user?.['client-key']),
    token: user?.token,
  };
}
