// What a clustermesh-apiserver serves about its own cluster: the nodes, and the global services
// with their ready backends. The lab runs no pods, so a backend is a ready Pod when the API has
// Pods, else a ready replica of a Deployment the Service selects (scaled to 0, it has none), given
// an address inside its cluster's pod CIDR so that listings read as in production.
import { resources, type KubeClient, type KubeObject } from '../cilium/kube-client.js';
import { globalServiceAnnotation, managedByValue } from './names.js';
import { nodeAddress } from './cluster-state.js';

export interface MeshNode {
  name: string;
  cluster: string;
  internalIP: string | undefined;
  podCIDRs: string[];
}

export interface MeshBackend {
  name: string;
  ip: string;
}

export interface MeshService {
  namespace: string;
  name: string;
  cluster: string;
  ports: { name?: string; port: number; protocol: string }[];
  backends: MeshBackend[];
}

type NodeObj = KubeObject & { spec?: { podCIDR?: string; podCIDRs?: string[] }; status?: { addresses?: { type: string; address: string }[] } };
type ServiceObj = KubeObject & { spec?: { selector?: Record<string, string>; ports?: { name?: string; port: number; protocol?: string }[] } };
type PodObj = KubeObject & { status?: { podIP?: string; conditions?: { type: string; status: string }[] } };
type DeploymentObj = KubeObject & { spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } }; status?: { readyReplicas?: number } };

export async function listMeshNodes(client: KubeClient, cluster: string): Promise<MeshNode[]> {
  const nodes = await client.list<NodeObj>(resources.nodes, undefined);
  return nodes
    .map((n) => ({
      name: n.metadata.name,
      cluster,
      internalIP: nodeAddress(n),
      podCIDRs: n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : []),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function isGlobal(svc: KubeObject): boolean {
  return svc.metadata.annotations?.[globalServiceAnnotation] === 'true';
}

export function selectorString(selector: Record<string, string>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The `offset`-th address of an IPv4 CIDR (offset counted from the network address). */
export function addressInCidr(cidr: string, offset: number): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const base = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const bits = Number(m[5]);
  const size = bits >= 32 ? 1 : 2 ** (32 - bits);
  if (offset >= size) return undefined;
  const ip = (base + offset) >>> 0;
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

async function backendsOf(client: KubeClient, svc: ServiceObj, podCidr: string | undefined): Promise<MeshBackend[]> {
  const selector = svc.spec?.selector ?? {};
  if (Object.keys(selector).length === 0) return [];
  const ns = svc.metadata.namespace!;
  const pods = await client.list<PodObj>(resources.pods, ns, selectorString(selector)).catch(() => [] as PodObj[]);
  if (pods.length > 0) {
    return pods
      .filter((p) => p.status?.podIP && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((p) => ({ name: p.metadata.name, ip: p.status!.podIP! }));
  }
  const deployments = (await client.list<DeploymentObj>(resources.deployments, ns)).filter((d) => matches(selector, d.spec?.template?.metadata?.labels));
  const out: MeshBackend[] = [];
  let offset = 10;
  for (const d of deployments.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const ready = Math.min(d.status?.readyReplicas ?? 0, d.spec?.replicas ?? 1);
    for (let i = 0; i < ready; i++) {
      const ip = podCidr ? addressInCidr(podCidr, offset++) : undefined;
      if (ip) out.push({ name: `${d.metadata.name}-${i}`, ip });
    }
  }
  return out;
}

/** The global services of this cluster with their ready backends. */
export async function listGlobalServices(client: KubeClient, cluster: string): Promise<MeshService[]> {
  const services = (await client.list<ServiceObj>(resources.services, undefined)).filter(isGlobal);
  if (services.length === 0) return [];
  const nodes = await listMeshNodes(client, cluster);
  const podCidr = nodes.find((n) => n.podCIDRs.length > 0)?.podCIDRs[0];
  const out: MeshService[] = [];
  for (const svc of services) {
    out.push({
      namespace: svc.metadata.namespace ?? 'default',
      name: svc.metadata.name,
      cluster,
      ports: (svc.spec?.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' })),
      backends: await backendsOf(client, svc, podCidr),
    });
  }
  return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

export { managedByValue };
