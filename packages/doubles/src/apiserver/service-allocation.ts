// ClusterIP and NodePort allocation, done while a Service is created or updated as the real
// registry does: from --service-cluster-ip-range (the first address is the `kubernetes` Service's)
// and --service-node-port-range; an address or port already taken is refused with 422.
import type { KubeObject, Store } from './store.js';
import { isObject } from './patch.js';

export class AllocationError extends Error {
  constructor(readonly field: string, readonly value: unknown, message: string) {
    super(message);
  }
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export class ServiceAllocator {
  readonly base: number;
  readonly size: number;
  readonly portMin: number;
  readonly portMax: number;

  constructor(private readonly store: Store, serviceCidr: string, nodePortRange: string) {
    const [network, bits] = serviceCidr.split('/');
    if (!network || !/^\d+\.\d+\.\d+\.\d+$/.test(network) || !bits) throw new Error(`--service-cluster-ip-range: "${serviceCidr}" is not an IPv4 CIDR (e.g. 10.96.0.0/12)`);
    this.size = 2 ** (32 - Number(bits));
    this.base = ipToNumber(network) - (ipToNumber(network) % this.size);
    const [min, max] = nodePortRange.split('-').map(Number);
    if (!min || !max || min > max) throw new Error(`--service-node-port-range: "${nodePortRange}" is not a range such as 30000-32767`);
    this.portMin = min;
    this.portMax = max;
  }

  /** The `kubernetes` Service's address: the range's first usable one. */
  get firstAddress(): string {
    return numberToIp(this.base + 1);
  }

  private used(exceptUid?: string) {
    const ips = new Set<string>();
    const ports = new Set<number>();
    for (const svc of this.store.list('/services/')) {
      if (svc.metadata.uid === exceptUid) continue;
      if (svc.spec?.clusterIP && svc.spec.clusterIP !== 'None') ips.add(svc.spec.clusterIP);
      for (const p of svc.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    }
    return { ips, ports };
  }

  /** Fills clusterIP(s) and nodePorts; on update keeps what `previous` had. */
  allocate(service: KubeObject, previous?: KubeObject): void {
    const spec = service.spec;
    if (!isObject(spec) || spec.type === 'ExternalName') return;
    const { ips, ports } = this.used(service.metadata.uid);
    if (previous?.spec?.clusterIP && !spec.clusterIP) spec.clusterIP = previous.spec.clusterIP;
    if (!spec.clusterIP) {
      let ip: string | undefined;
      for (let offset = 10; offset < this.size - 1 && !ip; offset++) {
        const candidate = numberToIp(this.base + offset);
        if (!ips.has(candidate)) ip = candidate;
      }
      if (!ip) throw new AllocationError('spec.clusterIPs', '', 'failed to allocate IP: range is full');
      spec.clusterIP = ip;
    } else if (spec.clusterIP !== 'None' && spec.clusterIP !== previous?.spec?.clusterIP) {
      const n = ipToNumber(spec.clusterIP);
      if (n < this.base || n >= this.base + this.size) throw new AllocationError('spec.clusterIPs', spec.clusterIP, `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${numberToIp(this.base)}/${32 - Math.log2(this.size)}`);
      if (ips.has(spec.clusterIP)) throw new AllocationError('spec.clusterIPs', spec.clusterIP, `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`);
    }
    spec.clusterIPs = [spec.clusterIP];
    const wantsNodePorts = spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
    const portsList: any[] = spec.ports ?? [];
    portsList.forEach((port, index) => {
      if (!isObject(port)) return;
      if (!wantsNodePorts) {
        delete port.nodePort;
        return;
      }
      const before = (previous?.spec?.ports ?? []).find((p: any) => p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
      if (!port.nodePort && before?.nodePort) port.nodePort = before.nodePort;
      if (port.nodePort) {
        if (port.nodePort === before?.nodePort) return;
        if (port.nodePort < this.portMin || port.nodePort > this.portMax) {
          throw new AllocationError(`spec.ports[${index}].nodePort`, port.nodePort, `provided port is not in the valid range. The range of valid ports is ${this.portMin}-${this.portMax}`);
        }
        if (ports.has(port.nodePort)) throw new AllocationError(`spec.ports[${index}].nodePort`, port.nodePort, 'provided port is already allocated');
        ports.add(port.nodePort);
        return;
      }
      for (let candidate = this.portMin; candidate <= this.portMax; candidate++) {
        if (!ports.has(candidate)) {
          port.nodePort = candidate;
          ports.add(candidate);
          return;
        }
      }
      throw new AllocationError(`spec.ports[${index}].nodePort`, 0, 'range is full');
    });
  }
}
