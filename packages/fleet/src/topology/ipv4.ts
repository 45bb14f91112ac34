/** IPv4 arithmetic for the lab's plan (addresses in networks, networks overlapping). */
export function parseIpv4(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export interface Ipv4Network {
  first: number;
  last: number;
}

/** `a.b.c.d/n` with the address on its network boundary, or null. */
export function parseCidr(cidr: string): Ipv4Network | null {
  const [address = '', bits = '', extra] = cidr.split('/');
  const value = parseIpv4(address);
  if (value === null || extra !== undefined || !/^\d{1,2}$/.test(bits) || Number(bits) > 32) return null;
  const size = 2 ** (32 - Number(bits));
  if (value % size !== 0) return null;
  return { first: value, last: value + size - 1 };
}

export function contains(network: Ipv4Network, address: number): boolean {
  return address >= network.first && address <= network.last;
}

export function overlap(a: Ipv4Network, b: Ipv4Network): boolean {
  return a.first <= b.last && b.first <= a.last;
}
