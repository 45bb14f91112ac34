import { describe, expect, it } from 'vitest';
import { poolAddresses } from './load-balancer.js';

describe('MetalLB pool addresses', () => {
  it('expands ranges and CIDRs', () => {
    expect(poolAddresses('172.18.255.200-172.18.255.202')).toEqual(['172.18.255.200', '172.18.255.201', '172.18.255.202']);
    expect(poolAddresses('10.9.0.5/30')).toEqual(['10.9.0.4', '10.9.0.5', '10.9.0.6', '10.9.0.7']);
    expect(poolAddresses('fd00::/120')).toEqual([]);
  });
});
