// Node IPAM, as kube-controller-manager runs it on a kubeadm cluster (--allocate-node-cidrs with
// --cluster-cidr from ClusterConfiguration.networking.podSubnet, --node-cidr-mask-size 24): each
// Node without spec.podCIDR gets the lowest free /24 of the pod subnet. The subnet is read from
// kube-system/kubeadm-config, which kubeadm init uploads, or given as --cluster-cidr (RKE passes
// it to kube-controller-manager); with neither nothing is allocated.
import { parse } from 'yaml';
import { modify, read } from '../internal-client.js';
import type { Context } from '../rest.js';
import type { Controller } from './run.js';

const MASK = 24;

function toInt(address: string): number {
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}
const toAddress = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** The /24 blocks of an IPv4 pod subnet, in order; none for a subnet smaller than a /24 or not IPv4. */
export function nodeCidrs(podSubnet: string): string[] {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(podSubnet.trim());
  if (!m || Number(m[2]) > MASK) return [];
  const size = 2 ** (32 - Number(m[2]));
  const start = toInt(m[1]!) - (toInt(m[1]!) % size);
  const blocks: string[] = [];
  for (let offset = 0; offset < size; offset += 2 ** (32 - MASK)) blocks.push(`${toAddress(start + offset)}/${MASK}`);
  return blocks;
}

function podSubnetOf(ctx: Context): string | undefined {
  const config = read(ctx, '', 'configmaps', 'kube-system', 'kubeadm-config');
  const text = (config as { data?: Record<string, string> } | undefined)?.data?.['ClusterConfiguration'];
  if (!text) return undefined;
  const subnet = (parse(text) as { networking?: { podSubnet?: string } } | null)?.networking?.podSubnet;
  // kubeadm accepts a comma-separated dual-stack list; the IPv4 one is what is allocated here
  return subnet?.split(',').find((s) => s.includes('.'));
}

export const nodeIpam = (clusterCidr?: string): Controller => ({
  name: 'node-ipam',
  watches: ['/nodes/', '/configmaps/kube-system/kubeadm-config'],
  reconcile(ctx: Context) {
    const subnet = podSubnetOf(ctx) ?? clusterCidr;
    if (!subnet) return;
    const nodes = ctx.store.list('/nodes/');
    const used = new Set(nodes.map((n) => n.spec?.podCIDR).filter(Boolean));
    const free = nodeCidrs(subnet).filter((c) => !used.has(c));
    const waiting = nodes.filter((n) => !n.spec?.podCIDR).sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
    for (const node of waiting) {
      const cidr = free.shift();
      if (!cidr) return;
      modify(ctx, '', 'nodes', undefined, node.metadata.name, (n) => {
        n.spec ??= {};
        n.spec.podCIDR = cidr;
        n.spec.podCIDRs = [cidr];
      });
    }
  },
});
