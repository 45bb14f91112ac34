import type { HostContext } from '@meshbook/engine';

/** One cluster of the mesh, as the Cilium and ClusterMesh steps see it. */
export interface MeshCluster {
  name: string;
  id: number;
  /** The host the steps run on for this cluster: its master (seed 000), its first control-plane node (seed 004). */
  master: string;
  /** Its context in the kubeconfig on every master. */
  context: string;
}

/**
 * What the shared Cilium and ClusterMesh roles need to know about the clusters they run on, so
 * seed 000 (kubeadm, NodePort over WireGuard) and seed 004 (RKE, MetalLB LoadBalancer) share the
 * roles rather than copy them.
 */
export interface MeshSite {
  /** Every cluster, each with the host its steps run on, in inventory order. */
  clusters(host: HostContext): MeshCluster[];
  /** On a master: the kubeconfig holding every cluster's context (read after the task that writes it). */
  kubeconfig(host: HostContext): string;
  /** Where this cluster's Cilium agents reach its API server (k8sServiceHost / k8sServicePort). */
  apiServer(host: HostContext): { host: string; port: number };
  /** Chart values this kind of cluster needs over seed 000's cilium.yaml. */
  ciliumValues?(host: HostContext): Record<string, unknown>;
  /** How the clustermesh-apiserver is exposed, and the words the task name uses for it. */
  serviceType(host: HostContext): 'NodePort' | 'LoadBalancer';
  serviceTypeLabel: string;
  /** Where the other clusters reach `cluster`'s clustermesh-apiserver, `address:port`; undefined: cilium-cli finds it (the Service's address). */
  endpoint(host: HostContext, cluster: MeshCluster): string | undefined;
}

export function ownMeshCluster(site: MeshSite, host: HostContext, name: string): MeshCluster {
  const found = site.clusters(host).find((c) => c.name === name);
  if (!found) throw new Error(`host "${host.name}": cluster ${name} has no master`);
  return found;
}

/** The cluster whose cilium CA the others share (the seeds' "cluster 1"): the lowest cluster id. */
export function caSourceOf(site: MeshSite, host: HostContext): MeshCluster {
  return [...site.clusters(host)].sort((a, b) => a.id - b.id)[0]!;
}

/** Runs a role's tasks only where `on` holds (with their own `when` too): a play over every node whose steps run on one per cluster. */
export function onlyWhere<R extends { tasks: readonly unknown[] }>(role: R, on: (host: HostContext) => boolean): R {
  return {
    ...role,
    tasks: role.tasks.map((t) => {
      const item = t as { kind: string; when?: (host: HostContext, item: unknown) => boolean };
      if (item.kind !== 'task') return t;
      const own = item.when;
      return { ...item, when: (host: HostContext, it: unknown) => on(host) && (own ? own(host, it) : true) };
    }),
  };
}
