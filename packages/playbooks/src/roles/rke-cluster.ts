// Seed 004's own roles (RKE on Docker): the pieces seed 000 does not have. Cilium, MetalLB and
// ClusterMesh are shared roles; this file holds only what RKE needs.
import { resolve } from 'node:path';
import { task, type HostContext } from '@meshbook/engine';
import { apt, copy, file, mount, rkeUp, user } from '@meshbook/modules';
import { z } from 'zod';
import { renderClusterYml } from '../rke/cluster-yml.js';
import { inventoryRelative, rkeNodeVars, type RkeNodeVars } from '../rke/vars.js';
import type { Role } from './role.js';

export const rkeControllerVars = z.object({
  /** The rke executable on the controller: a name on PATH, or a path (relative: to the inventory's directory). */
  rke_binary: z.string().regex(/^[A-Za-z0-9_./+-]+$/, 'a path or name such as rke or /usr/local/bin/rke').default('rke'),
});

type Host = HostContext<RkeNodeVars & z.output<typeof rkeControllerVars>>;

/** The clusters of the play's hosts, by cluster_name, each with its members' parsed vars. */
export function rkeClustersOf(host: Host): Array<{ name: string; dir: string; members: Array<{ name: string; vars: RkeNodeVars }> }> {
  const byCluster = new Map<string, Array<{ name: string; vars: RkeNodeVars }>>();
  for (const name of host.groups.k8s_nodes ?? []) {
    const hostvars = host.hostvars(name);
    const parsed = rkeNodeVars.parse(hostvars);
    // rke reads the key from the cluster's directory: the path as the engine resolved it for SSH
    const vars = { ...parsed, ansible_ssh_private_key_file: inventoryRelative(parsed.ansible_ssh_private_key_file, hostvars['inventory_dir']) };
    byCluster.set(vars.cluster_name, [...(byCluster.get(vars.cluster_name) ?? []), { name, vars }]);
  }
  return [...byCluster.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, members]) => ({
    name,
    // the controller's working directory, as `rke up` is run from it in the seed
    dir: resolve(members[0]!.vars.rke_cluster_dir),
    members,
  }));
}

/** 004-02: Docker from Debian's package, the login user in the `docker` group (RKE's requirement). */
export function dockerRole(): Role {
  return {
    name: 'docker',
    tasks: [
      task(apt, { name: ['docker.io'], state: 'present' as const, updateCache: true }, { name: 'Docker installed (docker.io)' }),
      task(user, (host: Host) => ({ name: host.vars.ansible_user, groups: ['docker'], append: true }), {
        name: 'login user in the docker group',
      }),
    ],
  };
}

/** 004-03: the BPF filesystem Cilium needs, in /etc/fstab and mounted. */
export function bpffsRole(): Role {
  return {
    name: 'bpffs',
    tasks: [
      task(mount, { path: '/sys/fs/bpf', src: 'bpffs', fstype: 'bpf', opts: 'defaults', state: 'mounted' as const }, {
        name: 'bpffs mounted on /sys/fs/bpf and in /etc/fstab',
      }),
    ],
  };
}

/** rke_binary: a name stays one (PATH), a path belongs to the inventory's directory. */
const rkeBinary = (host: Host) => (host.vars.rke_binary.includes('/') ? inventoryRelative(host.vars.rke_binary, (host.vars as Record<string, unknown>)['inventory_dir']) : host.vars.rke_binary);

type Cluster = ReturnType<typeof rkeClustersOf>[number];
const clusterLabel = (c: Cluster) => c.name;

/** 004-04 and 004-05: cluster.yml per cluster in its own directory on the controller, then `rke up` there. */
export function rkeClusterRole(): Role {
  const perCluster = { runOnce: true, delegateTo: 'localhost' as const, loop: rkeClustersOf, loopLabel: clusterLabel };
  return {
    name: 'rke-cluster',
    vars: rkeControllerVars,
    tasks: [
      task(file, (_host: Host, c: Cluster) => ({ path: c.dir, state: 'directory' as const, mode: '0700' }), {
        name: 'cluster directory on the controller', ...perCluster,
      }),
      task(copy, (_host: Host, c: Cluster) => ({ dest: `${c.dir}/cluster.yml`, content: renderClusterYml(c.members), mode: '0600' }), {
        name: 'cluster.yml (nodes, roles, network plugin none, cluster_cidr, service range, DNS)', ...perCluster,
      }),
      task(rkeUp, (host: Host, c: Cluster) => ({ dir: c.dir, rke: rkeBinary(host) }), {
        name: 'rke up (only when cluster.yml or the cluster needs it)', ...perCluster,
      }),
    ],
  };
}
