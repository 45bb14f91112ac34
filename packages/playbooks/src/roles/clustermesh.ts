import { resultRef, task, type HostContext } from '@meshbook/engine';
import { ciliumClustermesh, ciliumClustermeshConnect, kubeResource, kubeResourceInfo, type KubeObject } from '@meshbook/modules';
import { ciliumVars, type CiliumVars, type ClusterNodeVars } from '../clustermesh/vars.js';
import { after, caSourceCluster, clustersOf, contextOf, ownCluster, type ClusterOf } from './cluster-topology.js';
import { ciliumRelease } from './cilium.js';
import { meshKubeconfigPath } from './kubeadm-cluster.js';
import type { Role } from './role.js';

type Host = HostContext<ClusterNodeVars & CiliumVars>;

const sourceCa = resultRef<KubeObject | null>('cilium_ca_of_cluster_1');
const caCopied = resultRef<KubeObject | null>('cilium_ca_copied');


const receivesCa = (host: Host) => caSourceCluster(host).name !== host.vars.cluster_name;
/** The clusters this master connects to: each pair once, from the cluster with the lower id. */
export const peersToConnect = (host: Host): ClusterOf[] => clustersOf(host).filter((c) => c.id > host.vars.cluster_id);
const endpointOf = (c: ClusterOf, port: number) => `${c.masterVars.wg_address}:${port}`;

/**
 * Seed 000-18 to 000-20 on every master: cluster 1's cilium-ca Secret in every other cluster
 * (replaced only when it differs), clustermesh enabled with the inventory's service type, and
 * the clusters connected pairwise, each to the other's clustermesh-apiserver at its WireGuard
 * address (the only way between the clusters), waiting until all nodes are connected.
 */
export function clustermeshRole(): Role {
  return {
    name: 'clustermesh',
    vars: ciliumVars,
    tasks: [
      task(
        kubeResourceInfo,
        (host: Host) => {
          after(host, ciliumRelease);
          return { apiVersion: 'v1', kind: 'Secret', name: 'cilium-ca', namespace: 'kube-system', kubeconfig: meshKubeconfigPath(host), context: caSourceCluster(host).context };
        },
        { name: "cilium-ca Secret of cluster 1 read", register: sourceCa, when: receivesCa },
      ),
      task(
        kubeResource,
        (host: Host) => {
          const ca = host.output(sourceCa);
          if (!ca) throw new Error(`cluster ${caSourceCluster(host).name} has no kube-system/cilium-ca Secret: install Cilium there first`);
          return {
            object: { apiVersion: 'v1', kind: 'Secret', type: (ca as { type?: string }).type ?? 'Opaque', metadata: { name: 'cilium-ca', namespace: 'kube-system' }, data: (ca as { data?: Record<string, unknown> }).data ?? {} },
            kubeconfig: meshKubeconfigPath(host),
            context: contextOf(host.vars),
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
          return { kubeconfig: meshKubeconfigPath(host), context: contextOf(host.vars), serviceType: host.vars.clustermesh_service_type };
        },
        { name: 'cilium clustermesh enable --service-type (NodePort)' },
      ),
      task(
        ciliumClustermeshConnect,
        (host: Host, peer: ClusterOf) => ({
          kubeconfig: meshKubeconfigPath(host),
          context: contextOf(host.vars),
          destinationContext: peer.context,
          destinationCluster: peer.name,
          sourceEndpoint: endpointOf(ownCluster(host), host.vars.clustermesh_apiserver_port),
          destinationEndpoint: endpointOf(peer, host.vars.clustermesh_apiserver_port),
        }),
        { name: 'cilium clustermesh connect --context <this> --destination-context <peer>; all nodes connected', loop: (host: Host) => peersToConnect(host), loopLabel: (peer: ClusterOf) => peer.name },
      ),
    ],
  };
}
