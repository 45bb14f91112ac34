import { task, type HostContext } from '@meshbook/engine';
import { kubeLoadBalancerAddress, openstackAllowedAddress } from '@meshbook/modules';
import { inventoryRelative, type RkeMeshVars, type RkeNodeVars } from '../rke/vars.js';
import { after } from './cluster-topology.js';
import { clustermeshEnabled } from './clustermesh.js';
import { ownMeshCluster, type MeshSite } from './mesh-site.js';
import { clustermeshAddress } from './rke-mesh-site.js';
import type { Role } from './role.js';

type Host = HostContext<RkeNodeVars & RkeMeshVars>;

/** Seed 004-08 on every master: the clustermesh-apiserver's LoadBalancer address, once MetalLB gave it one. */
export function clustermeshEndpointRole(site: MeshSite): Role {
  return {
    name: 'clustermesh-endpoint',
    tasks: [
      task(
        kubeLoadBalancerAddress,
        (host: Host) => {
          after(host, clustermeshEnabled);
          return { name: 'clustermesh-apiserver', namespace: 'kube-system', kubeconfig: site.kubeconfig(host), context: ownMeshCluster(site, host, host.vars.cluster_name).context };
        },
        { name: "the ClusterMesh endpoint's LoadBalancer address read back (MetalLB's, cilium-etcd-external in the seed)", register: clustermeshAddress },
      ),
    ],
  };
}

/**
 * Seed 004-09 on every node, from the controller: every cluster's ClusterMesh address allowed on
 * the node's ports in openstack_network (`openstack port set --allowed-address`), so Neutron's
 * anti-spoofing passes the LoadBalancer traffic. The account comes from clouds.yaml or OS_*.
 */
export function openstackAllowedAddressRole(site: MeshSite): Role {
  return {
    name: 'openstack-allowed-address',
    tasks: [
      task(
        openstackAllowedAddress,
        (host: Host) => {
          const v = host.vars;
          const addresses = [...new Set(site.clusters(host).map((c) => host.output(clustermeshAddress, c.master).address))];
          return {
            server: host.name,
            addresses,
            network: v.openstack_network,
            ...(v.openstack_cloud ? { cloud: v.openstack_cloud } : {}),
            ...(v.openstack_clouds_file ? { cloudsFile: inventoryRelative(v.openstack_clouds_file, (v as Record<string, unknown>)['inventory_dir']) } : {}),
          };
        },
        { name: "every ClusterMesh address allowed on the node's OpenStack ports (openstack port set --allowed-address)", delegateTo: 'localhost' },
      ),
    ],
  };
}
