// What cilium-cli reads from a cluster's API to talk about ClusterMesh: the cluster's name and
// id (ConfigMap cilium-config), the clustermesh-apiserver Service and where it can be reached,
// the cilium CA and the client certificate agents use towards other clusters, the configured peers.
import { ApiError, isNotFound, resources, type KubeClient, type KubeObject } from '../cilium/kube-client.js';
import { isIP } from 'node:net';
import {
  agentDaemonSet,
  caSecretName,
  clusterMeshSecret,
  configMapName,
  maxConnectedClustersDefault,
  deploymentName,
  remoteCertSecret,
  runsOnNodeAnnotation,
  serviceName,
} from './names.js';
import { decodeSecretData, parsePeerEntries, peerServerName, type PeerEntry } from './peer-config.js';
import { peerGet, type PeerResult, type TlsMaterial } from './mtls.js';

export interface ClusterIdentity {
  name: string;
  id: string;
  maxConnectedClusters: number;
}

export interface AccessInformation extends ClusterIdentity {
  serviceType: string;
  serviceIps: string[];
  servicePort: number;
  caPem: string;
}

type Service = KubeObject & {
  spec?: { type?: string; clusterIP?: string; ports?: { port?: number; nodePort?: number }[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
};
type NodeObj = KubeObject & { spec?: { podCIDR?: string; podCIDRs?: string[] }; status?: { addresses?: { type: string; address: string }[] } };
type SecretObj = KubeObject & { data?: Record<string, string> };

export async function readClusterIdentity(client: KubeClient, namespace: string): Promise<ClusterIdentity> {
  let cm: KubeObject & { data?: Record<string, string> };
  try {
    cm = await client.get(resources.configmaps, namespace, configMapName);
  } catch (err) {
    throw new Error(`unable to retrieve ConfigMap "${configMapName}": ${(err as Error).message}`);
  }
  const data = cm.data ?? {};
  const mcc = data['max-connected-clusters'];
  const max = mcc === undefined ? maxConnectedClustersDefault : Number.parseInt(mcc, 10);
  if (!Number.isFinite(max)) throw new Error(`unable to parse max-connected-clusters: strconv.Atoi: parsing ${JSON.stringify(mcc)}: invalid syntax`);
  return { name: data['cluster-name'] || 'default', id: data['cluster-id'] || '0', maxConnectedClusters: max };
}

export async function readSecret(client: KubeClient, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  const s = await client.getOrUndefined<SecretObj>(resources.secrets, namespace, name);
  return s ? decodeSecretData(s.data) : undefined;
}

export async function readCaPem(client: KubeClient, namespace: string): Promise<string> {
  let data: Record<string, string> | undefined;
  try {
    data = decodeSecretData((await client.get<SecretObj>(resources.secrets, namespace, caSecretName)).data);
  } catch (err) {
    throw new Error(`get secret "${caSecretName}" to retrieve CA: ${(err as Error).message}`);
  }
  const pem = data['ca.crt'] ?? data['tls.crt'];
  if (!pem) throw new Error(`secret "${caSecretName}" does not contain the CA certificate`);
  return pem;
}

/** The client certificate this cluster's agents present to every remote clustermesh-apiserver. */
export async function readAgentClientMaterial(client: KubeClient, namespace: string): Promise<{ certPem: string; keyPem: string }> {
  const data = await readSecret(client, namespace, remoteCertSecret);
  if (!data) throw new Error(`unable to get client secret to access clustermesh service: secrets "${remoteCertSecret}" not found`);
  const certPem = data['tls.crt'];
  const keyPem = data['tls.key'];
  if (!keyPem) throw new Error(`secret "${remoteCertSecret}" does not contain key "tls.key"`);
  if (!certPem) throw new Error(`secret "${remoteCertSecret}" does not contain key "tls.crt"`);
  return { certPem, keyPem };
}

/**
 * The peers configured in `cilium-clustermesh`. An endpoint named by host name resolves as the
 * agents resolve it: through the cilium DaemonSet's hostAliases (the chart puts
 * `<peer>.mesh.cilium.io` there), else through the host's resolver (/etc/hosts, DNS).
 */
export async function readPeers(client: KubeClient, namespace: string, self: string): Promise<PeerEntry[]> {
  const data = await readSecret(client, namespace, clusterMeshSecret);
  if (!data) return [];
  const peers = parsePeerEntries(data, self);
  if (!peers.some((p) => p.endpoints.some((e) => isIP(e.host) === 0))) return peers;
  type Ds = KubeObject & { spec?: { template?: { spec?: { hostAliases?: { ip: string; hostnames?: string[] }[] } } } };
  const ds = await client.getOrUndefined<Ds>(resources.daemonsets, namespace, agentDaemonSet);
  const aliases = ds?.spec?.template?.spec?.hostAliases ?? [];
  return peers.map((p) => ({
    ...p,
    endpoints: p.endpoints.flatMap((e) => {
      const ips = aliases.filter((a) => a.hostnames?.includes(e.host)).map((a) => a.ip);
      return ips.length > 0 ? ips.map((host) => ({ host, port: e.port })) : [e];
    }),
  }));
}

export function nodeAddress(node: NodeObj): string | undefined {
  let ip: string | undefined;
  for (const a of node.status?.addresses ?? []) {
    if (a.type === 'ExternalIP') ip = a.address;
    else if (a.type === 'InternalIP' && ip === undefined) ip = a.address;
  }
  return ip;
}

/** Access information as `extractAccessInformation` in cilium-cli derives it; `log` gets its remarks. */
export async function extractAccessInformation(client: KubeClient, namespace: string, log: (line: string) => void, verbose: boolean): Promise<AccessInformation> {
  const identity = await readClusterIdentity(client, namespace);
  if (verbose) log(`✨ Extracting access information of cluster ${identity.name}...`);
  let svc: Service;
  try {
    svc = await client.get<Service>(resources.services, namespace, serviceName);
  } catch (err) {
    throw new Error(`unable to get clustermesh service "${serviceName}": ${(err as Error).message}`);
  }
  if (verbose) log(`🔑 Extracting secrets from cluster ${identity.name}...`);
  await readAgentClientMaterial(client, namespace);
  const caPem = await readCaPem(client, namespace);
  const type = svc.spec?.type ?? 'ClusterIP';
  const ports = svc.spec?.ports ?? [];
  const ips: string[] = [];
  let port = 0;
  if (ports.length === 0) throw new Error('port of service could not be derived, service has no ports');
  if (type === 'NodePort') {
    port = ports[0]?.nodePort ?? 0;
    if (!port) throw new Error('nodeport is not set in service');
    const nodes = await client.list<NodeObj>(resources.nodes, undefined);
    // cilium-cli takes the first node with an address; the double's NodePort answers only on the
    // node running the clustermesh-apiserver double, so that node goes first when it is known.
    const deployment = await client.getOrUndefined(resources.deployments, namespace, deploymentName);
    const runsOn = deployment?.metadata.annotations?.[runsOnNodeAnnotation];
    nodes.sort((a, b) => Number(b.metadata.name === runsOn) - Number(a.metadata.name === runsOn));
    for (const n of nodes) {
      const ip = nodeAddress(n);
      if (ip) {
        // As cilium-cli: one node only, since all endpoints must share one port.
        ips.push(ip);
        break;
      }
    }
    log('⚠️  Service type NodePort detected! Service may fail when nodes are removed from the cluster!');
  } else if (type === 'LoadBalancer') {
    port = ports[0]?.port ?? 0;
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip) ips.push(ing.ip);
  } else if (type === 'ClusterIP') {
    port = ports[0]?.port ?? 0;
    if (svc.spec?.clusterIP) ips.push(svc.spec.clusterIP);
  }
  if (ips.length === 0) throw new Error('unable to derive service IPs automatically');
  if (verbose) log(`ℹ️  Found ClusterMesh service IPs: [${ips.join(' ')}]`);
  return { ...identity, serviceType: type, serviceIps: ips, servicePort: port, caPem };
}

/** A request to a peer's clustermesh-apiserver with this cluster's agent credentials. */
export async function requestPeer<T>(peer: PeerEntry, local: { certPem: string; keyPem: string; caPem: string }, path: string, timeoutMs = 5000): Promise<PeerResult<T>> {
  const tls: TlsMaterial = { certPem: local.certPem, keyPem: local.keyPem, caPem: peer.extraCaPem ? `${local.caPem}\n${peer.extraCaPem}` : local.caPem };
  if (peer.endpoints.length === 0) return { ok: false, error: `no endpoints configured for cluster ${peer.name}` };
  let last: PeerResult<T> = { ok: false, error: 'not tried' };
  for (const e of peer.endpoints) {
    last = await peerGet<T>({ host: e.host, port: e.port, servername: peerServerName(peer.name), path, tls, timeoutMs });
    if (last.ok) return last;
  }
  return last;
}

export { ApiError, isNotFound };
