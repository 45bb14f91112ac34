import { describe, expect, it } from 'vitest';
import { nodeCidrs } from './node-ipam.js';

describe('node IPAM', () => {
  it('splits the pod subnet into /24 blocks, lowest first, as --node-cidr-mask-size 24 does', () => {
    const blocks = nodeCidrs('10.242.0.0/16');
    expect(blocks).toHaveLength(256);
    expect(blocks.slice(0, 2)).toEqual(['10.242.0.0/24', '10.242.1.0/24']);
    expect(blocks.at(-1)).toBe('10.242.255.0/24');
  });
  it('allocates nothing from a subnet smaller than a /24 or not IPv4', () => {
    expect(nodeCidrs('10.0.0.0/25')).toEqual([]);
    expect(nodeCidrs('fd00::/64')).toEqual([]);
  });
});
