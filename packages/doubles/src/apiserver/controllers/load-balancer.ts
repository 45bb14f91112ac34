// What MetalLB's controller does for LoadBalancer Services, when MetalLB's CRDs and an
// IPAddressPool (metallb.io/v1beta1) exist: an address from a pool (the one named by the
// `metallb.io/address-pool` annotation, or any with autoAssign), honouring requested addresses
// (`metallb.io/loadBalancerIPs`, spec.loadBalancerIP) and `avoidBuggyIPs` (no .0 or .255).
// Without a pool the Service stays pending, as in production.
import { modify } from '../internal-client.js';
import type { Context } from '../rest.js';
import type { KubeObject } from '../store.js';
import { recordEvent } from './events.js';
import type { Controller } from './run.js';

const POOLS = 'metallb.io/ipaddresspools/';
const ipToNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const numberToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** The IPv4 addresses of a pool entry: a CIDR ("192.168.10.0/28") or a range ("a.b.c.d-e.f.g.h"). */
export function poolAddresses(entry: string, limit = 4096): string[] {
  const out: string[] = [];
  const range = entry.match(/^(\d+\.\d+\.\d+\.\d+)\s*-\s*(\d+\.\d+\.\d+\.\d+)$/);
  const cidr = entry.match(/^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/);
  let first: number;
  let last: number;
  if (range) {
    first = ipToNumber(range[1]!);
    last = ipToNumber(range[2]!);
  } else if (cidr) {
    const size = 2 ** (32 - Number(cidr[2]));
    first = ipToNumber(cidr[1]!) - (ipToNumber(cidr[1]!) % size);
    last = first + size - 1;
  } else return out;
  for (let n = first; n <= last && out.length < limit; n++) out.push(numberToIp(n));
  return out;
}

function annotation(service: KubeObject, name: string): string | undefined {
  const annotations = service.metadata.annotations ?? {};
  return annotations[`metallb.io/${name}`] ?? annotations[`metallb.universe.tf/${name}`];
}

function ingressIps(service: KubeObject): string[] {
  return (service.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip).filter(Boolean);
}

export const loadBalancer: Controller = {
  name: 'load-balancer (MetalLB stand-in)',
  watches: ['/services/', POOLS, 'apiextensions.k8s.io/customresourcedefinitions/'],
  reconcile(ctx: Context) {
    const served = !!ctx.registry.anyVersion('metallb.io', 'ipaddresspools');
    const pools = served ? ctx.store.list(POOLS) : [];
    const services = ctx.store.list('/services/');
    const used = new Set<string>();
    for (const svc of services) if (svc.spec?.type === 'LoadBalancer') for (const ip of ingressIps(svc)) used.add(ip);
    for (const svc of services) {
      const { name, namespace } = svc.metadata;
      if (svc.spec?.type !== 'LoadBalancer') {
        if (ingressIps(svc).length) modify(ctx, '', 'services', namespace, name, (o) => { o.status = { loadBalancer: {} }; }, 'status');
        continue;
      }
      if (svc.spec.loadBalancerClass && svc.spec.loadBalancerClass !== 'metallb.io/metallb') continue;
      if (ingressIps(svc).length) continue;
      const poolName = annotation(svc, 'address-pool');
      const candidates = pools.filter((p) => (poolName ? p.metadata.name === poolName : p.spec?.autoAssign !== false));
      const requested = (annotation(svc, 'loadBalancerIPs') ?? svc.spec.loadBalancerIP ?? '').split(',').map((s: string) => s.trim()).filter(Boolean);
      let chosen: { ip: string; pool: string } | undefined;
      for (const pool of candidates) {
        const buggy = (ip: string) => pool.spec?.avoidBuggyIPs === true && (ip.endsWith('.0') || ip.endsWith('.255'));
        const addresses = (pool.spec?.addresses ?? []).flatMap((entry: string) => poolAddresses(entry)).filter((ip: string) => !buggy(ip));
        const ip = requested.length ? requested.find((r: string) => addresses.includes(r) && !used.has(r)) : addresses.find((a: string) => !used.has(a));
        if (ip) {
          chosen = { ip, pool: pool.metadata.name };
          break;
        }
      }
      if (!chosen) continue;
      used.add(chosen.ip);
      recordEvent(ctx, svc, 'Normal', 'IPAllocated', `Assigned IP ["${chosen.ip}"]`, 'metallb-controller');
      modify(ctx, '', 'services', namespace, name, (o) => {
        o.metadata.annotations = { ...(o.metadata.annotations ?? {}), 'metallb.io/ip-allocated-from-pool': chosen!.pool };
      });
      modify(ctx, '', 'services', namespace, name, (o) => {
        o.status = { loadBalancer: { ingress: [{ ip: chosen!.ip, ipMode: 'VIP' }] } };
      }, 'status');
    }
  },
};
