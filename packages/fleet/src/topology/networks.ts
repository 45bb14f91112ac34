import { docker } from '../docker.js';
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
    }).catch((error: unknown) => {
      throw new Error(`cannot create the lab network ${network.name} (${network.subnet}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
  }
}
