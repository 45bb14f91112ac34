import type { HostContext, ResultRef } from '@meshbook/engine';
import { clusterNodeVars, type ClusterNodeVars } from '../clustermesh/vars.js';

/** One cluster of the inventory, as the ClusterMesh steps see it: its master and its vars. */
export interface ClusterOf {
  name: string;
  id: number;
  short: string;
  master: string;
  masterVars: ClusterNodeVars;
  /** kubernetes-admin-<short>@<cluster>: the per-cluster context of seed 000-11/000-14. */
  context: string;
}

export const contextOf = (v: Pick<ClusterNodeVars, 'cluster_short' | 'cluster_name'>) => `kubernetes-admin-${v.cluster_short}@${v.cluster_name}`;

/** The login user whose ~/.kube the seed sets up: kube_user, else the SSH user. */
export function loginUser(host: HostContext): string {
  const v = host.vars as Record<string, unknown>;
  return String(v['kube_user'] ?? v['ansible_user'] ?? 'root');
}

export const homeOf = (user: string) => (user === 'root' ? '/root' : `/home/${user}`);
export const kubeDirOf = (host: HostContext) => `${homeOf(loginUser(host))}/.kube`;

/** Every cluster with a master in `mastersGroup`, in inventory order. */
export function clustersOf(host: HostContext, mastersGroup = 'masters'): ClusterOf[] {
  const seen = new Map<string, ClusterOf>();
  for (const master of host.groups[mastersGroup] ?? []) {
    const v = clusterNodeVars.parse(host.hostvars(master));
    if (!seen.has(v.cluster_name)) seen.set(v.cluster_name, { name: v.cluster_name, id: v.cluster_id, short: v.cluster_short, master, masterVars: v, context: contextOf(v) });
  }
  return [...seen.values()];
}

/** This host's cluster. */
export function ownCluster(host: HostContext, mastersGroup = 'masters'): ClusterOf {
  const name = clusterNodeVars.parse(host.vars).cluster_name;
  const found = clustersOf(host, mastersGroup).find((c) => c.name === name);
  if (!found) throw new Error(`host "${host.name}": cluster ${name} has no host in the ${mastersGroup} group`);
  return found;
}

/** The cluster whose cilium CA the others share (seed 000-19's "cluster 1"): the lowest cluster_id. */
export function caSourceCluster(host: HostContext, mastersGroup = 'masters'): ClusterOf {
  return [...clustersOf(host, mastersGroup)].sort((a, b) => a.id - b.id)[0]!;
}

export const isMaster = (host: HostContext, mastersGroup = 'masters') => host.groupNames.includes(mastersGroup);

/**
 * Orders a task after another one's outcome: in check mode, when that task plans a change, its
 * output is known only after apply and so is everything this task would read (helm not installed
 * yet, no kubeconfig yet): the engine then reports this task as a change known after apply
 * instead of failing on a host that an earlier task would have prepared.
 */
export function after(host: HostContext, ...refs: ResultRef<any>[]): void {
  for (const ref of refs) if (host.result(ref) !== undefined) host.output(ref);
}
