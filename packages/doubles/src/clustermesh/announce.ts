// MetalLB's layer-2 speaker, for the one address the clustermesh-apiserver needs: the lab has no
// speaker, so the LoadBalancer address the API server double assigns would answer nowhere. The
// daemon adds it (as /32) to the master's interface whose subnet holds it, so the master answers
// ARP for it on that network as a speaker would, and removes it when it stops.
import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { isIPv4 } from 'node:net';

function toInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

/** The interface whose IPv4 network holds `ip`, or undefined; `local` when `ip` is already ours. */
export function interfaceFor(ip: string, interfaces = networkInterfaces()): { name: string; local: boolean } | undefined {
  if (!isIPv4(ip)) return undefined;
  let found: { name: string; local: boolean } | undefined;
  for (const [name, addrs] of Object.entries(interfaces)) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4') continue;
      if (a.address === ip) return { name, local: true };
      const bits = Number(a.cidr?.split('/')[1] ?? 32);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      if (bits < 32 && (toInt(a.address) & mask) === (toInt(ip) & mask)) found ??= { name, local: false };
    }
  }
  return found;
}

export class Announcer {
  private readonly added = new Map<string, string>();
  constructor(private readonly log: (line: string) => void) {}

  /** Makes every address in `ips` answer on this host; returns those it could not place. */
  announce(ips: string[]): string[] {
    const unplaced: string[] = [];
    for (const ip of ips) {
      if (this.added.has(ip)) continue;
      const iface = interfaceFor(ip);
      if (iface?.local) continue;
      if (!iface) {
        unplaced.push(ip);
        continue;
      }
      try {
        execFileSync('ip', ['address', 'add', `${ip}/32`, 'dev', iface.name], { stdio: ['ignore', 'ignore', 'pipe'] });
        this.added.set(ip, iface.name);
        this.log(`announcing LoadBalancer address ${ip} on ${iface.name}`);
      } catch (err) {
        this.log(`could not announce ${ip} on ${iface.name}: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? (err as Error).message}`);
      }
    }
    return unplaced;
  }

  withdrawAll(): void {
    for (const [ip, dev] of this.added) {
      try {
        execFileSync('ip', ['address', 'del', `${ip}/32`, 'dev', dev], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    this.added.clear();
  }
}
