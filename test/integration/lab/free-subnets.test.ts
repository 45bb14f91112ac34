import { afterAll, describe, expect, it } from 'vitest';
import { dockerNetworkSubnets, dockerSubnets, freeOctet, removeFleetContainers, withFreeSubnets, type FreeOctetOptions } from '@meshbook/fleet';
import { fleetLabels, ownerLabels } from '../../../packages/fleet/src/labels.js';
import { createLabNetworks } from '../../../packages/fleet/src/topology/networks.js';

/** On the real Docker engine: a lab network's subnet taken by another network, found and avoided. */
const id = `lab-subnets-${process.pid}`;
const labels = { ...fleetLabels(id, 'lab'), ...ownerLabels() };
const options: FreeOctetOptions = { patterns: ['10.232.X.0/24'], octets: [100, 199], start: process.pid };

afterAll(async () => {
  await removeFleetContainers(id);
});

describe('lab subnets on a shared Docker engine', () => {
  it("moves on to the next free subnet when Docker answers 'Pool overlaps', and names the network holding it", async () => {
    const held = freeOctet(options, await dockerSubnets());
    expect(held).not.toBeNull();
    await createLabNetworks(id, [{ name: 'holder', subnet: `10.232.${held}.0/24` }], labels);
    // The next look at Docker's networks sees it.
    expect(freeOctet({ ...options, start: held! }, await dockerSubnets())).not.toBe(held);

    await expect(createLabNetworks(id, [{ name: 'late', subnet: `10.232.${held}.0/24` }], labels)).rejects.toThrow(
      new RegExp(`^cannot create the lab network late \\(10\\.232\\.${held}\\.0/24\\): .*Pool overlaps.* \\(Docker network meshbook-lab-${id}-holder \\(10\\.232\\.${held}\\.0/24\\) uses it: pick lab_networks\\.late apart from it\\)$`),
    );

    // As if another lab took the subnet between the look and the creation: the look sees nothing.
    const tried: number[] = [];
    const octet = await withFreeSubnets({ ...options, start: held!, taken: async () => [] }, async (candidate, [subnet]) => {
      tried.push(candidate);
      await createLabNetworks(id, [{ name: `net${candidate}`, subnet: subnet! }], labels);
      return candidate;
    });
    expect(tried[0]).toBe(held);
    expect(octet).not.toBe(held);
    expect(tried.at(-1)).toBe(octet);
    expect(await dockerNetworkSubnets()).toContainEqual(expect.objectContaining({ name: `meshbook-lab-${id}-net${octet}`, subnet: `10.232.${octet}.0/24` }));
  });
});
