import { z } from 'zod';
import type { HostContext } from '@meshbook/engine';
import { wireguardInterfaceName } from '@meshbook/modules';

const ipv4 = z.ipv4({ error: 'an IPv4 address such as 10.7.0.2' });
const cidr = z.cidrv4({ error: 'an IPv4 network such as 10.244.0.0/16' });

/** What every WireGuard member needs (hosts of the `wireguard` group). */
export const wireguardMemberVars = z.object({
  wg_address: ipv4,
  wireguard_interface: wireguardInterfaceName,
  wireguard_network: cidr,
  wireguard_prefix: z.coerce.number().int().min(8).max(30),
  wireguard_port: z.coerce.number().int().min(1).max(65535).default(51820),
  wireguard_endpoint: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port of the WireGuard server, e.g. 194.35.12.114:51820'),
  wireguard_keepalive: z.coerce.number().int().min(0).max(65535).default(25),
  /** The kernel has no WireGuard module (the lab's containers): install wireguard-go, which wg-quick falls back to. */
  wireguard_userspace: z.boolean().default(false),
});

/** What every Kubernetes node needs (hosts of the `k8s_nodes` group). */
export const clusterNodeVars = z.object({
  upstream_ip: ipv4,
  wg_address: ipv4,
  cluster_name: z
    .string()
    .max(32, 'at most 32 characters (Cilium ClusterMesh)')
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'a lowercase DNS label such as cluster-kzh')
    .refine((n) => n !== 'default', 'anything but "default" (ClusterMesh needs unique names)'),
  cluster_id: z.coerce.number().int().min(1, 'from 1 to 255 (ClusterMesh: 0 is the default and not allowed)').max(255, 'from 1 to 255'),
  cluster_short: z.string().regex(/^[a-z0-9]+$/, 'a short lowercase name such as kzh'),
  pod_cidr: cidr,
  service_cidr: cidr,
  containerd_source: z.enum(['debian', 'docker']).default('docker'),
});

export type ClusterNodeVars = z.output<typeof clusterNodeVars>;

function toRange(network: string): [number, number] {
  const [address = '', bits = '32'] = network.split('/');
  const value = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  const start = value - (value % size);
  return [start, start + size - 1];
}

export function overlaps(a: string, b: string): boolean {
  const [a0, a1] = toRange(a);
  const [b0, b1] = toRange(b);
  return a0 <= b1 && b0 <= a1;
}

/**
 * ClusterMesh needs distinct cluster names and ids and pod networks that overlap nowhere; service
 * networks must not collide with another cluster's pods either. One problem per pair, naming both.
 */
export function clusterProblems(hosts: readonly HostContext[]): string[] {
  const clusters = new Map<string, { name: string; id: number; pod: string; service: string; host: string }>();
  for (const host of hosts) {
    const parsed = clusterNodeVars.safeParse(host.vars);
    if (!parsed.success) continue; // the per-host schema reports it
    const v = parsed.data;
    const seen = clusters.get(v.cluster_name);
    if (!seen) clusters.set(v.cluster_name, { name: v.cluster_name, id: v.cluster_id, pod: v.pod_cidr, service: v.service_cidr, host: host.name });
    else if (seen.pod !== v.pod_cidr || seen.service !== v.service_cidr || seen.id !== v.cluster_id) {
      return [`hosts "${seen.host}" and "${host.name}" are both in ${v.cluster_name} but disagree on cluster_id, pod_cidr or service_cidr`];
    }
  }
  const list = [...clusters.values()];
  const problems: string[] = [];
  list.forEach((a, i) =>
    list.slice(i + 1).forEach((b) => {
      if (a.id === b.id) problems.push(`clusters ${a.name} and ${b.name} share cluster_id ${a.id}: ClusterMesh needs a unique id per cluster`);
      const pairs: Array<[string, string, string, string]> = [
        ['pod_cidr', a.pod, 'pod_cidr', b.pod],
        ['service_cidr', a.service, 'service_cidr', b.service],
        ['pod_cidr', a.pod, 'service_cidr', b.service],
        ['service_cidr', a.service, 'pod_cidr', b.pod],
      ];
      for (const [ka, va, kb, vb] of pairs) {
        if (overlaps(va, vb)) problems.push(`${a.name} ${ka} ${va} overlaps ${b.name} ${kb} ${vb}: give each cluster its own range`);
      }
    }),
  );
  return problems;
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });
const absolutePath = z.string().regex(/^\/[^\0\n]*[^/]$/, 'an absolute file path');

/** What the Kubernetes packages need (seed 000-07): the inventory names the repository per minor version. */
export const kubernetesPackageVars = z.object({
  kubernetes_apt_url: httpUrl,
  kubernetes_apt_key_url: httpUrl,
  kubernetes_apt_keyring: absolutePath.regex(/^\/etc\/apt\/keyrings\/[A-Za-z0-9_.-]+\.gpg$/, 'a keyring under /etc/apt/keyrings such as /etc/apt/keyrings/kubernetes-apt-keyring.gpg'),
  /** The Debian package version of kubelet, kubeadm and kubectl (pinned and held), e.g. 1.31.9-1.1. */
  kubernetes_package_version: z.string().regex(/^[0-9][0-9A-Za-z.+~-]*$/, 'a package version such as 1.31.9-1.1'),
  /** The seed's extra packages. */
  kubernetes_extra_packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'a package name')).default(['apt-transport-https', 'vim', 'git', 'curl', 'wget']),
});

/** What the clusters need beyond a node's own vars (seed 000-08 to 000-14). */
export const kubeadmClusterVars = z.object({
  kube_api_port: z.coerce.number().int().min(1).max(65535).default(6443),
  /** kube-vip address, one of the API server's certSANs. */
  kube_vip: ipv4.optional(),
  /** The login user whose ~/.kube/config is set up (the seed's `student`); default ansible_user. */
  kube_user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, 'a user name').optional(),
});

/** Helm, cilium-cli and the Cilium chart (seed 000-15 to 000-17). */
export const ciliumVars = z.object({
  helm_apt_url: httpUrl,
  helm_apt_key_url: httpUrl,
  helm_apt_keyring: absolutePath.regex(/^\/etc\/apt\/keyrings\/[A-Za-z0-9_.-]+\.gpg$/, 'a keyring under /etc/apt/keyrings such as /etc/apt/keyrings/helm.gpg'),
  cilium_cli_stable_url: httpUrl,
  cilium_cli_download_url: httpUrl,
  /** Pin cilium-cli (v0.16.22); absent: the version stable.txt names, as the seed does. */
  cilium_cli_version: z.string().regex(/^v\d+\.\d+\.\d+\S*$/, 'a cilium-cli release such as v0.16.22').optional(),
  cilium_chart_repo_url: httpUrl,
  /** The Cilium chart version: 1.14.x takes the seed's keys, 1.15+ their renamed equivalents. */
  cilium_chart_version: z.string().regex(/^\d+\.\d+\.\d+$/, 'a chart version such as 1.14.4'),
  /** How the clustermesh-apiserver is exposed (seed 000: NodePort). */
  clustermesh_service_type: z.enum(['NodePort', 'LoadBalancer']).default('NodePort'),
  /** Its NodePort (the chart's default). */
  clustermesh_apiserver_port: z.coerce.number().int().min(1).max(65535).default(32379),
});

export type KubernetesPackageVars = z.output<typeof kubernetesPackageVars>;
export type KubeadmClusterVars = z.output<typeof kubeadmClusterVars>;
export type CiliumVars = z.output<typeof ciliumVars>;
