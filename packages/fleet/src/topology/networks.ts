import { docker } from '../docker.js';
import { dockerNetworkSubnets, isPoolOverlap } from './free-subnets.js';
import { overlap, parseCidr } from './ipv4.js';
import type { LabNetwork } from './types.js';

/** The Docker network standing in for one of the lab's networks. */
export function dockerNetworkName(labId: string, network: string): string {
  return `meshbook-lab-${labId}-${network}`;
}

/**
 * Plain bridges: Docker NATs them to the outside (Debian's mirror), and its isolation rules drop
 * traffic between two of its bridges, so a host reaches another network only through a host
 * attached to both: the lab's only routers are the ones the inventory names.
 */
export async function createLabNetworks(labId: string, networks: LabNetwork[], labels: Record<string, string>): Promise<void> {
  for (const network of networks) {
    await docker().createNetwork({
      Name: dockerNetworkName(labId, network.name),
      Driver: 'bridge',
      Labels: labels,
      CheckDuplicate: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: network.subnet }] },
    }).catch(async (error: unknown) => {
      // Docker's words are kept: callers retrying elsewhere on "Pool overlaps" read them (withFreeSubnets).
      const holders = isPoolOverlap(error) ? await networksOverlapping(network.subnet) : '';
      const fix = holders ? ` (Docker network ${holders} uses it: pick lab_networks.${network.name} apart from it)` : '';
      throw new Error(`cannot create the lab network ${network.name} (${network.subnet}): ${error instanceof Error ? error.message : String(error)}${fix}`, { cause: error });
    });
  }
}

/** The Docker networks whose subnets overlap `subnet`, as 'name (subnet)', or '' when none is found. */
async function networksOverlapping(subnet: string): Promise<string> {
  const range = parseCidr(subnet);
  const networks = range ? await dockerNetworkSubnets().catch(() => []) : [];
  return networks
    .filter((other) => range && overlap(range, other.range))
    .map((other) => `${other.name} (${other.subnet})`)
    .join(', ');
}
