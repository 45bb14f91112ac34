import { stringifyYaml } from '@meshbook/engine';
import type { KubeadmApiVersion } from './version.js';

/** What the InitConfiguration and ClusterConfiguration documents say, already validated. */
export interface KubeadmClusterSettings {
  clusterName?: string | undefined;
  controlPlaneEndpoint?: string | undefined;
  kubernetesVersion?: string | undefined;
  imageRepository?: string | undefined;
  certSANs: string[];
  apiServerExtraArgs: Record<string, string>;
  /** The seed's apiServer.timeoutForControlPlane (v1beta3); v1beta4's timeouts.controlPlaneComponentHealthCheck. */
  timeoutForControlPlane?: string | undefined;
  etcdDataDir?: string | undefined;
  podSubnet?: string | undefined;
  serviceSubnet?: string | undefined;
  dnsDomain?: string | undefined;
  advertiseAddress?: string | undefined;
  bindPort?: number | undefined;
  nodeName?: string | undefined;
  criSocket?: string | undefined;
  kubeletExtraArgs: Record<string, string>;
}

/** extraArgs: a map in v1beta3, a list of {name, value} in v1beta4 (which allows repeating a flag). */
function args(apiVersion: KubeadmApiVersion, map: Record<string, string>): unknown {
  return apiVersion === 'kubeadm.k8s.io/v1beta4' ? Object.entries(map).map(([name, value]) => ({ name, value })) : { ...map };
}

/** Drops undefined entries and empty objects/lists, so the file says only what was asked. */
function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) continue;
    out[key] = value;
  }
  return out as Partial<T>;
}

/** The two documents, in the API version the installed kubeadm reads. */
export function kubeadmInitDocuments(apiVersion: KubeadmApiVersion, s: KubeadmClusterSettings): [Record<string, unknown>, Record<string, unknown>] {
  const v4 = apiVersion === 'kubeadm.k8s.io/v1beta4';
  const init = {
    apiVersion,
    kind: 'InitConfiguration',
    ...compact({
      localAPIEndpoint: compact({ advertiseAddress: s.advertiseAddress, bindPort: s.bindPort }),
      nodeRegistration: compact({
        name: s.nodeName,
        criSocket: s.criSocket,
        kubeletExtraArgs: Object.keys(s.kubeletExtraArgs).length > 0 ? args(apiVersion, s.kubeletExtraArgs) : undefined,
      }),
      timeouts: v4 && s.timeoutForControlPlane ? { controlPlaneComponentHealthCheck: s.timeoutForControlPlane } : undefined,
    }),
  };
  const cluster = {
    apiVersion,
    kind: 'ClusterConfiguration',
    ...compact({
      clusterName: s.clusterName,
      controlPlaneEndpoint: s.controlPlaneEndpoint,
      kubernetesVersion: s.kubernetesVersion,
      imageRepository: s.imageRepository,
      apiServer: compact({
        certSANs: s.certSANs,
        extraArgs: Object.keys(s.apiServerExtraArgs).length > 0 ? args(apiVersion, s.apiServerExtraArgs) : undefined,
        timeoutForControlPlane: v4 ? undefined : s.timeoutForControlPlane,
      }),
      etcd: s.etcdDataDir ? { local: { dataDir: s.etcdDataDir } } : undefined,
      networking: compact({ podSubnet: s.podSubnet, serviceSubnet: s.serviceSubnet, dnsDomain: s.dnsDomain }),
    }),
  };
  return [init, cluster];
}

/** Several YAML documents, rendered by the YAML library (strings quoted where YAML needs it). */
export function renderDocuments(documents: readonly unknown[]): string {
  return documents.map((d) => stringifyYaml(d, { lineWidth: 0 })).join('---\n');
}

export function renderKubeadmInitConfig(apiVersion: KubeadmApiVersion, settings: KubeadmClusterSettings): string {
  return renderDocuments(kubeadmInitDocuments(apiVersion, settings));
}

/** A JoinConfiguration: token discovery, pinned CA, and what the node registers as. */
export interface JoinSettings {
  endpoint: string;
  token: string;
  caCertHash: string;
  certificateKey?: string | undefined;
  advertiseAddress?: string | undefined;
  nodeName?: string | undefined;
  criSocket?: string | undefined;
  kubeletExtraArgs: Record<string, string>;
  ignorePreflightErrors: string[];
  discoveryTimeout?: string | undefined;
}

/** Rendered on apply only (it holds the token): written 0600, read by kubeadm, removed. */
export function renderJoinConfiguration(apiVersion: KubeadmApiVersion, s: JoinSettings): string {
  const v4 = apiVersion === 'kubeadm.k8s.io/v1beta4';
  const join = {
    apiVersion,
    kind: 'JoinConfiguration',
    discovery: compact({
      bootstrapToken: { apiServerEndpoint: s.endpoint, token: s.token, caCertHashes: [s.caCertHash] },
      timeout: v4 ? undefined : s.discoveryTimeout,
    }),
    ...compact({
      nodeRegistration: compact({
        name: s.nodeName,
        criSocket: s.criSocket,
        kubeletExtraArgs: Object.keys(s.kubeletExtraArgs).length > 0 ? args(apiVersion, s.kubeletExtraArgs) : undefined,
        ignorePreflightErrors: s.ignorePreflightErrors,
      }),
      controlPlane: s.certificateKey
        ? compact({ certificateKey: s.certificateKey, localAPIEndpoint: s.advertiseAddress ? { advertiseAddress: s.advertiseAddress } : undefined })
        : undefined,
      timeouts: v4 && s.discoveryTimeout ? { discovery: s.discoveryTimeout } : undefined,
    }),
  };
  return renderDocuments([join]);
}
