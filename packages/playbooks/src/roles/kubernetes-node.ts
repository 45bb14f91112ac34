import { task, type HostContext } from '@meshbook/engine';
import { hosts, modprobe, sysctl } from '@meshbook/modules';
import { clusterNodeVars, type ClusterNodeVars } from '../clustermesh/vars.js';
import type { Role } from './role.js';

/** Seed 000 step 000-02: overlay and br_netfilter loaded now and at boot. */
export function kernelModulesRole(): Role {
  return {
    name: 'kernel-modules',
    tasks: [task(modprobe, { name: ['overlay', 'br_netfilter'], persist: 'k8s.conf' }, { name: 'overlay and br_netfilter loaded and persisted' })],
  };
}

/** Seed 000 step 000-03: the bridge and forwarding sysctls Kubernetes needs, persisted and applied. */
export function kubernetesSysctlRole(): Role {
  return {
    name: 'kubernetes-sysctl',
    tasks: [
      task(
        sysctl,
        {
          values: {
            'net.bridge.bridge-nf-call-iptables': '1',
            'net.bridge.bridge-nf-call-ip6tables': '1',
            'net.ipv4.ip_forward': '1',
          },
          file: 'k8s.conf',
        },
        { name: 'bridge and forwarding sysctls in /etc/sysctl.d/k8s.conf' },
      ),
    ],
  };
}

/**
 * Seed 000 step 000-04: a node's own cluster by upstream (ens3) address, the other clusters by
 * wg0 address. The seed's own block writes 10.7.0.6/.7 for Kazuha, contradicting its table: the
 * inventory is the truth.
 */
export function clusterHostsRole(nodesGroup = 'k8s_nodes'): Role {
  const peersOf = (host: HostContext<ClusterNodeVars>, sameCluster: boolean) => {
    const mine = host.vars.cluster_name;
    return (host.groups[nodesGroup] ?? [])
      // Other hosts' vars are read raw: parsed here with the same schema.
      .map((name) => ({ name, vars: clusterNodeVars.parse(host.hostvars(name)) }))
      .filter((n) => (n.vars.cluster_name === mine) === sameCluster)
      .map((n) => ({ ip: sameCluster ? n.vars.upstream_ip : n.vars.wg_address, names: [n.name] }));
  };
  return {
    name: 'cluster-hosts',
    vars: clusterNodeVars,
    tasks: [
      task(hosts, (host: HostContext<ClusterNodeVars>) => ({ name: 'cluster-upstream', entries: peersOf(host, true) }), { name: 'own cluster in /etc/hosts by upstream address' }),
      task(hosts, (host: HostContext<ClusterNodeVars>) => ({ name: 'clustermesh-wg0', entries: peersOf(host, false) }), { name: 'other clusters in /etc/hosts by wg0 address' }),
    ],
  };
}
