// The objects the double writes for what the connected peers serve, where kubectl sees them.
// Remote nodes become CiliumNode objects named `<cluster>.<node>` (the agents' `cilium node list`
// prints `<cluster>/<node>`; a name cannot hold `/`), labelled with their cluster; each global
// service gets one EndpointSlice per cluster with that cluster's backends, as Cilium's
// EndpointSlice synchronisation writes them.
import { isNotFound, resources, type KubeClient, type KubeObject } from '../cilium/kube-client.js';
import { clusterLabel, managedByValue } from './names.js';
import type { MeshNode, MeshService } from './local-state.js';

const managedBy = 'app.kubernetes.io/managed-by';
const sliceManagedBy = 'endpointslice.kubernetes.io/managed-by';
const serviceNameLabel = 'kubernetes.io/service-name';

export function ciliumNodeName(cluster: string, node: string): string {
  return `${cluster}.${node}`;
}

/** Local nodes keep their own name (the agents create those); remote ones get their cluster's prefix. */
export function desiredCiliumNodes(nodes: MeshNode[], localCluster: string): KubeObject[] {
  return nodes.map((n) => ({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNode',
    metadata: { name: n.cluster === localCluster ? n.name : ciliumNodeName(n.cluster, n.name), labels: { [clusterLabel]: n.cluster, [managedBy]: managedByValue } },
    spec: {
      addresses: n.internalIP ? [{ type: 'InternalIP', ip: n.internalIP }] : [],
      ipam: { podCIDRs: n.podCIDRs },
    },
  }));
}

export function sliceName(service: string, cluster: string): string {
  return `${service}-${cluster}`.slice(0, 253);
}

export function desiredSlices(services: MeshService[]): KubeObject[] {
  return services.map((s) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName(s.name, s.cluster),
      namespace: s.namespace,
      labels: { [serviceNameLabel]: s.name, [sliceManagedBy]: managedByValue, [clusterLabel]: s.cluster },
    },
    addressType: 'IPv4',
    endpoints: s.backends.map((b) => ({ addresses: [b.ip], conditions: { ready: true }, targetRef: { kind: 'Pod', name: b.name } })),
    ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol })),
  }));
}

/** Keys sorted; empty lists, empty maps and nulls dropped: the API server may store `[]` as absent. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(normalize);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value).sort(([a], [b]) => a.localeCompare(b))) {
      const n = normalize(v);
      if (n !== undefined && n !== null) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/** The part of an object the double owns, for deciding whether a write is needed. */
export function content(o: KubeObject): string {
  const { metadata, apiVersion: _a, kind: _k, status: _s, ...rest } = o;
  return JSON.stringify(normalize({ labels: metadata.labels ?? {}, ...rest }));
}

type Res = (typeof resources)[keyof typeof resources];

/**
 * Makes the objects labelled as ours for `clusters` equal to `desired`: creates, replaces what
 * differs, deletes what is no longer there. Objects of other clusters are left alone.
 */
export async function reconcile(client: KubeClient, res: Res, clusters: string[], desired: KubeObject[]): Promise<number> {
  if (clusters.length === 0) return 0;
  const sel = res === resources.endpointslices ? `${sliceManagedBy}=${managedByValue}` : `${managedBy}=${managedByValue}`;
  const existing = (await client.list(res, undefined, sel)).filter((o) => clusters.includes(o.metadata.labels?.[clusterLabel] ?? ''));
  const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const byKey = new Map(existing.map((o) => [key(o), o]));
  let writes = 0;
  for (const want of desired) {
    const have = byKey.get(key(want));
    byKey.delete(key(want));
    if (!have) {
      await client.create(res, want.metadata.namespace, want);
      writes++;
    } else if (content(have) !== content(want)) {
      await client.replace(res, want.metadata.namespace, { ...want, metadata: { ...want.metadata, resourceVersion: have.metadata.resourceVersion } });
      writes++;
    }
  }
  for (const stale of byKey.values()) {
    await client.delete(res, stale.metadata.namespace, stale.metadata.name);
    writes++;
  }
  return writes;
}

/** The CiliumNode CRD, registered as cilium-operator registers it when it is missing. */
export async function ensureCiliumNodeCrd(client: KubeClient): Promise<boolean> {
  try {
    await client.get(resources.crds, undefined, 'ciliumnodes.cilium.io');
    return false;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await client.create(resources.crds, undefined, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'ciliumnodes.cilium.io', labels: { 'io.cilium.k8s.crd.schema.version': '1.26.10' } },
    spec: {
      group: 'cilium.io',
      names: { kind: 'CiliumNode', listKind: 'CiliumNodeList', plural: 'ciliumnodes', singular: 'ciliumnode', shortNames: ['cn', 'ciliumn'], categories: ['cilium'] },
      scope: 'Cluster',
      versions: [
        {
          name: 'v2',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          additionalPrinterColumns: [
            { name: 'Cluster', type: 'string', jsonPath: `.metadata.labels.io\\.cilium\\.k8s\\.policy\\.cluster` },
            { name: 'InternalIP', type: 'string', jsonPath: '.spec.addresses[?(@.type=="InternalIP")].ip' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  });
  return true;
}
