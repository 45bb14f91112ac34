import { resultRef, task, type HostContext } from '@meshbook/engine';
import { ciliumClustermesh, ciliumClustermeshConnect, kubeResource, kubeResourceInfo, type KubeObject } from '@meshbook/modules';
import { ciliumVars, type ClusterNodeVars } from '../clustermesh/vars.js';
import { after } from './cluster-topology.js';
import { ciliumRelease } from './cilium.js';
import { kubeadmMeshSite } from './kubeadm-mesh-site.js';
import { caSourceOf, ownMeshCluster, type MeshCluster, type MeshSite } from './mesh-site.js';
import type { Role } from './role.js';

type Host = HostContext<Pick<ClusterNodeVars, 'cluster_name' | 'cluster_id'>>;

const sourceCa = resultRef<KubeObject | null>('cilium_ca_of_cluster_1');
const caCopied = resultRef<KubeObject | null>('cilium_ca_copied');
/** Registered by the enable task: what connects waits for. */
export const clustermeshEnabled = resultRef<undefined>('clustermesh_enabled');

/** The clusters this master connects to: each pair once, from the cluster with the lower id. */
export const peersToConnect = (site: MeshSite, host: Host): MeshCluster[] => site.clusters(host).filter((c) => c.id > host.vars.cluster_id);

/**
 * Seed 000-18/000-19 (and 004-08's service) on every master: cluster 1's cilium-ca Secret in every
 * other cluster (replaced only when it differs), then clustermesh enabled with the site's service
 * type.
 */
export function clustermeshEnableRole(site: MeshSite = kubeadmMeshSite): Role {
  const receivesCa = (host: Host) => caSourceOf(site, host).name !== host.vars.cluster_name;
  const context = (host: Host) => ownMeshCluster(site, host, host.vars.cluster_name).context;
  return {
    name: 'clustermesh-enable',
    vars: ciliumVars,
    tasks: [
      task(
        kubeResourceInfo,
        (host: Host) => {
          after(host, ciliumRelease);
          return { apiVersion: 'v1', kind: 'Secret', name: 'cilium-ca', namespace: 'kube-system', kubeconfig: site.kubeconfig(host), context: caSourceOf(site, host).context };
        },
        { name: "cilium-ca Secret of cluster 1 read", register: sourceCa, when: receivesCa },
      ),
      task(
        kubeResource,
        (host: Host) => {
          const ca = host.output(sourceCa);
          if (!ca) throw new Error(`cluster ${caSourceOf(site, host).name} has no kube-system/cilium-ca Secret: install Cilium there first`);
          return {
            object: { apiVersion: 'v1', kind: 'Secret', type: (ca as { type?: string }).type ?? 'Opaque', metadata: { name: 'cilium-ca', namespace: 'kube-system' }, data: (ca as { data?: Record<string, unknown> }).data ?? {} },
            kubeconfig: site.kubeconfig(host),
            context: context(host),
            // the chart's release owns the Secret it generated: take its data over
            forceConflicts: true,
          };
        },
        { name: 'cilium-ca of cluster 1 in this cluster (replaced only when different)', register: caCopied, when: receivesCa },
      ),
      task(
        ciliumClustermesh,
        (host: Host) => {
          after(host, ciliumRelease, caCopied);
          return { kubeconfig: site.kubeconfig(host), context: context(host), serviceType: site.serviceType(host) };
        },
        { name: `cilium clustermesh enable --service-type (${site.serviceTypeLabel})`, register: clustermeshEnabled },
      ),
    ],
  };
}

/**
 * Seed 000-20 / 004-10 on every master: the clusters connected pairwise, each to the other's
 * clustermesh-apiserver at the address the site says, waiting until all nodes are connected.
 */
export function clustermeshConnectRole(site: MeshSite = kubeadmMeshSite): Role {
  return {
    name: 'clustermesh-connect',
    vars: ciliumVars,
    tasks: [
      task(
        ciliumClustermeshConnect,
        (host: Host, peer: MeshCluster) => {
          after(host, clustermeshEnabled);
          const own = ownMeshCluster(site, host, host.vars.cluster_name);
          const source = site.endpoint(host, own);
          const destination = site.endpoint(host, peer);
          return {
            kubeconfig: site.kubeconfig(host),
            context: own.context,
            destinationContext: peer.context,
            destinationCluster: peer.name,
            ...(source ? { sourceEndpoint: source } : {}),
            ...(destination ? { destinationEndpoint: destination } : {}),
          };
        },
        { name: 'cilium clustermesh connect --context <this> --destination-context <peer>; all nodes connected', loop: (host: Host) => peersToConnect(site, host), loopLabel: (peer: MeshCluster) => peer.name },
      ),
    ],
  };
}

/** Seed 000-18 to 000-20: cilium-ca shared, clustermesh enabled, the clusters connected. */
export function clustermeshRole(site: MeshSite = kubeadmMeshSite): Role {
  const enable = clustermeshEnableRole(site);
  return { name: 'clustermesh', vars: ciliumVars, tasks: [...enable.tasks, ...clustermeshConnectRole(site).tasks] };
}
