import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { interfaceFor } from './announce.js';

const v4 = (address: string, cidr: string): NetworkInterfaceInfo => ({ address, cidr, family: 'IPv4', netmask: '', mac: '', internal: false });

describe('which interface a LoadBalancer address belongs on', () => {
  const ifaces = { lo: [v4('127.0.0.1', '127.0.0.1/8')], eth0: [v4('10.195.197.165', '10.195.197.165/24')], wg0: [v4('10.7.0.2', '10.7.0.2/24')] };

  it('picks the interface whose network holds the address, as a layer-2 speaker would', () => {
    expect(interfaceFor('10.195.197.190', ifaces)).toEqual({ name: 'eth0', local: false });
  });
  it('says when the address is already on this host', () => {
    expect(interfaceFor('10.7.0.2', ifaces)).toEqual({ name: 'wg0', local: true });
  });
  it('finds none for an address on no local network', () => {
    expect(interfaceFor('192.0.2.10', ifaces)).toBeUndefined();
    expect(interfaceFor('not-an-ip', ifaces)).toBeUndefined();
  });
});
