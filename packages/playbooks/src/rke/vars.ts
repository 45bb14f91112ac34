import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { overlaps } from '../clustermesh/vars.js';

const ipv4 = z.ipv4({ error: 'an IPv4 address such as 10.195.197.165' });
const cidr = z.cidrv4({ error: 'an IPv4 network such as 10.42.0.0/16' });

/** A MetalLB layer-2 range, `first-last` as MetalLB's pools take it. */
export const metallbRange = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}-\d{1,3}(\.\d{1,3}){3}$/, 'first-last, such as 10.195.197.190-10.195.197.194')
  .refine((r) => { const [a, b] = r.split('-').map(toNumber); return a !== undefined && b !== undefined && a <= b; }, 'a range whose first address is not above its last');

/** What every node of seed 004 needs (hosts of `k8s_nodes`, as inventories/openstack sets them). */
export const rkeNodeVars = z.object({
  ansible_host: z.string().min(1),
  ansible_port: z.coerce.number().int().min(1).max(65535).default(22),
  ansible_user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, 'a login name such as ubuntu'),
  ansible_ssh_private_key_file: z.string().min(1, 'the SSH key rke uses to reach the node (cluster.yml ssh_key_path)'),
  upstream_ip: ipv4,
  cluster_name: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'a DNS label such as cluster1').refine((n) => n !== 'default', 'anything but "default" (ClusterMesh needs unique names)'),
  cluster_id: z.coerce.number().int().min(1, 'from 1 to 255 (ClusterMesh: 0 is not allowed)').max(255, 'from 1 to 255'),
  pod_cidr: cidr,
  service_cidr: cidr,
  cluster_dns: ipv4,
  cluster_domain: z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'a DNS domain such as cluster.local').default('cluster.local'),
  rke_roles: z.array(z.enum(['controlplane', 'etcd', 'worker'])).min(1),
  network_plugin: z.literal('none', { error: 'none: Cilium is installed by helm afterwards (the seed\'s "you must not deploy any CNI")' }),
  metallb_range: metallbRange,
  rke_cluster_dir: z.string().regex(/^[A-Za-z0-9._/-]+$/, 'a relative directory such as clusters/cluster1').refine((d) => !d.split('/').includes('..'), 'a directory inside the playbook\'s working directory (no ..)'),
});

export type RkeNodeVars = z.output<typeof rkeNodeVars>;

function toNumber(address: string): number | undefined {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

export function rangesOverlap(a: string, b: string): boolean {
  const [a0, a1] = a.split('-').map(toNumber) as [number, number];
  const [b0, b1] = b.split('-').map(toNumber) as [number, number];
  return a0 <= b1 && b0 <= a1;
}

interface ClusterSeen { name: string; id: number; pod: string; metallb: string; dir: string; host: string }

/**
 * Seed 004's cross-cluster rules, checked before any host is touched: each cluster agrees with
 * itself, and no two clusters share an id, a cluster_cidr (pod_cidr), a MetalLB address or an
 * RKE directory. One problem per pair, naming both.
 */
export function rkeClusterProblems(hosts: ReadonlyArray<{ name: string; vars: unknown }>): string[] {
  const clusters = new Map<string, ClusterSeen>();
  for (const host of hosts) {
    const parsed = rkeNodeVars.safeParse(host.vars);
    if (!parsed.success) continue; // the per-host schema reports it, naming the field
    const v = parsed.data;
    const seen = clusters.get(v.cluster_name);
    const mine = { name: v.cluster_name, id: v.cluster_id, pod: v.pod_cidr, metallb: v.metallb_range, dir: v.rke_cluster_dir, host: host.name };
    if (!seen) clusters.set(v.cluster_name, mine);
    else if (seen.pod !== mine.pod || seen.id !== mine.id || seen.metallb !== mine.metallb || seen.dir !== mine.dir) {
      return [`hosts "${seen.host}" and "${host.name}" are both in ${v.cluster_name} but disagree on cluster_id, pod_cidr, metallb_range or rke_cluster_dir: set them once, on the cluster's group`];
    }
  }
  const list = [...clusters.values()];
  const problems: string[] = [];
  list.forEach((a, i) => list.slice(i + 1).forEach((b) => {
    if (a.id === b.id) problems.push(`clusters ${a.name} and ${b.name} share cluster_id ${a.id}: ClusterMesh needs a unique id per cluster`);
    if (overlaps(a.pod, b.pod)) problems.push(`${a.name} pod_cidr ${a.pod} overlaps ${b.name} pod_cidr ${b.pod}: each cluster needs its own cluster_cidr (the seed: "you will need to define distinct cluster_cidr")`);
    if (rangesOverlap(a.metallb, b.metallb)) problems.push(`${a.name} metallb_range ${a.metallb} overlaps ${b.name} metallb_range ${b.metallb}: give each cluster its own addresses`);
    if (a.dir === b.dir) problems.push(`clusters ${a.name} and ${b.name} share rke_cluster_dir ${a.dir}: rke writes kube_config_cluster.yml beside cluster.yml, so each cluster needs its own directory`);
  }));
  return problems;
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });
const inventoryPath = z.string().regex(/^[^\0\n]+$/, 'a file path (relative paths belong to the inventory\'s directory)');

/** What seed 004 needs past `rke up` (004-06..004-11): MetalLB's chart and OpenStack's account. */
export const rkeMeshVars = z.object({
  metallb_chart_repo_url: httpUrl,
  /** The MetalLB chart: 0.13 and later take IPAddressPool + L2Advertisement, older ones the `config` ConfigMap. */
  metallb_chart_version: z.string().regex(/^\d+\.\d+\.\d+$/, 'a chart version such as 0.14.9'),
  metallb_protocol: z.literal('layer2', { error: 'layer2 (the seed\'s MetalLB configuration)' }),
  /** The Neutron network of the nodes' ports (`openstack port set --allowed-address`). */
  openstack_network: z.string().min(1),
  /** The cloud in clouds.yaml; absent: OS_CLOUD, else the OS_* variables (openstack's own rules). */
  openstack_cloud: z.string().min(1).optional(),
  /** The clouds.yaml to read; absent: openstack's own search (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/). */
  openstack_clouds_file: inventoryPath.optional(),
});

export type RkeMeshVars = z.output<typeof rkeMeshVars>;

/**
 * A path the inventory names, as the engine reads its key files: `~/` is the controller user's
 * home (left to the tool that reads it), an absolute path is itself, and a relative one belongs
 * to the inventory's directory (Ansible's inventory_dir), not to wherever meshbook was started.
 */
export function inventoryRelative(path: string, inventoryDir: unknown): string {
  if (path.startsWith('~') || isAbsolute(path) || typeof inventoryDir !== 'string') return path;
  return resolve(inventoryDir, path);
}
