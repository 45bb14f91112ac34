import type { HostContext } from '@meshbook/engine';
import type { CiliumVars, ClusterNodeVars, KubeadmClusterVars } from '../clustermesh/vars.js';
import { clustersOf } from './cluster-topology.js';
import { meshKubeconfigPath } from './kubeadm-cluster.js';
import type { MeshSite } from './mesh-site.js';

type Vars = ClusterNodeVars & KubeadmClusterVars & CiliumVars;
const vars = (host: HostContext) => host.vars as unknown as Vars;

/**
 * Seed 000's clusters: the hosts of `masters`, every cluster's context in the login user's
 * ~/.kube/config, the API server on the master itself, and each clustermesh-apiserver reached at
 * its master's WireGuard address (the only way between the clusters) on its NodePort.
 */
export const kubeadmMeshSite: MeshSite = {
  clusters: (host) => clustersOf(host).map(({ name, id, master, context }) => ({ name, id, master, context })),
  kubeconfig: meshKubeconfigPath,
  apiServer: (host) => ({ host: host.name, port: vars(host).kube_api_port }),
  serviceType: (host) => vars(host).clustermesh_service_type,
  serviceTypeLabel: 'NodePort',
  endpoint: (host, cluster) => `${clustersOf(host).find((c) => c.name === cluster.name)!.masterVars.wg_address}:${vars(host).clustermesh_apiserver_port}`,
};
