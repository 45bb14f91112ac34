import { docker } from '../docker.js';
import { overlap, parseCidr, type Ipv4Network } from './ipv4.js';

/**
 * Subnets for a throwaway lab (the tests' copies of the lab) that no network on the shared Docker
 * engine uses: picking them at random once collided with another engineer's lab.
 */

/** A family of /24 subnets that differ in their third octet, written with `X` there: '10.148.X.0/24'. */
export type SubnetPattern = `${number}.${number}.X.0/24`;

export interface FreeOctetOptions {
  /** The subnets one choice gives: each pattern with the same octet. */
  patterns: readonly SubnetPattern[];
  /** The octets to choose from, both ends included. */
  octets: readonly [from: number, to: number];
  /**
   * Where the search begins (then upwards, wrapping round): runs that start apart rarely race for
   * the same octet; the same start and the same networks give the same octet.
   */
  start: number;
}

/** Each pattern with the octet in place of X. */
export function subnetsFor(patterns: readonly SubnetPattern[], octet: number): string[] {
  return patterns.map((pattern) => pattern.replace('X', String(octet)));
}

/** The first octet, from `start`, whose subnets overlap none of `taken`; null when every one does. */
export function freeOctet(options: FreeOctetOptions, taken: readonly Ipv4Network[]): number | null {
  const [from, to] = options.octets;
  if (!(from >= 0 && to <= 255 && from <= to)) throw new Error(`octets ${from}..${to}: a range within 0..255`);
  const count = to - from + 1;
  const offset = (((options.start - from) % count) + count) % count;
  for (let i = 0; i < count; i++) {
    const octet = from + ((offset + i) % count);
    const free = subnetsFor(options.patterns, octet).every((subnet) => {
      const range = parseCidr(subnet);
      if (!range) throw new Error(`${subnet} is not a network such as 10.148.10.0/24`);
      return !taken.some((other) => overlap(range, other));
    });
    if (free) return octet;
  }
  return null;
}

/** Every network on the Docker engine (the default bridge's included) with its IPv4 subnets. */
export async function dockerNetworkSubnets(): Promise<Array<{ name: string; subnet: string; range: Ipv4Network }>> {
  const networks = await docker().listNetworks();
  return networks.flatMap((network) =>
    (network.IPAM?.Config ?? []).flatMap((config) => {
      const range = config.Subnet ? parseCidr(config.Subnet) : null;
      return range ? [{ name: network.Name, subnet: config.Subnet!, range }] : [];
    }),
  );
}

/** The IPv4 subnets of every network on the Docker engine. */
export async function dockerSubnets(): Promise<Ipv4Network[]> {
  return (await dockerNetworkSubnets()).map((network) => network.range);
}

/** Docker's answer when a network's subnet overlaps one it already has ("Pool overlaps with other one on this address space"). */
export function isPoolOverlap(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (/Pool overlaps/i.test(cause.message)) return true;
  }
  return false;
}

/**
 * Runs `attempt` with an octet whose subnets no Docker network uses. Another lab can take them
 * between the look and the attempt: on Docker's "Pool overlaps" the look is made again and the
 * next free octet tried, up to `attempts` times; any other error is rethrown as it is.
 */
export async function withFreeSubnets<T>(
  options: FreeOctetOptions & { attempts?: number; taken?: () => Promise<Ipv4Network[]> },
  attempt: (octet: number, subnets: string[]) => Promise<T>,
): Promise<T> {
  const attempts = options.attempts ?? 5;
  const taken = options.taken ?? dockerSubnets;
  const tried: Ipv4Network[] = [];
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    const octet = freeOctet(options, [...(await taken()), ...tried]);
    if (octet === null) break;
    const subnets = subnetsFor(options.patterns, octet);
    try {
      return await attempt(octet, subnets);
    } catch (error) {
      if (!isPoolOverlap(error)) throw error;
      last = error;
      tried.push(...subnets.map((subnet) => parseCidr(subnet)!));
    }
  }
  throw new Error(`no free subnets for a lab among ${options.patterns.join(', ')} with X in ${options.octets[0]}..${options.octets[1]}: Docker networks use them all${last ? ' (or took them while trying)' : ''}; docker network ls shows what holds them`, { cause: last });
}
