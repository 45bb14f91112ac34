import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  text: string;
  address: string;
  prefix: number;
  bits: 32 | 128;
}

/** Go's net.ParseCIDR: an IP and a prefix length in range, nothing else. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const address = m[1]!;
  const prefix = Number(m[2]);
  const bits = isIPv4(address) ? 32 : isIPv6(address) ? 128 : 0;
  if (bits === 0 || prefix > bits) return undefined;
  return { text: text.trim(), address, prefix, bits: bits as 32 | 128 };
}

/** The IPv4 address `offset` places after the network address of `cidr` (10.96.0.0/12, 1 → 10.96.0.1). */
export function ipv4InSubnet(cidr: Cidr, offset: number): string {
  const n = cidr.address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const mask = cidr.prefix === 0 ? 0 : (0xffffffff << (32 - cidr.prefix)) >>> 0;
  const value = (((n & mask) >>> 0) + offset) >>> 0;
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}
