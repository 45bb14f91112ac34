import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { isLocalAddress, releaseOwnership, validateServiceType } from './enable.js';

const iface = (address: string, cidr: string, internal = false): NetworkInterfaceInfo => ({ address, cidr, internal, family: 'IPv4', netmask: '', mac: '' });

describe('clustermesh enable', () => {
  it('takes NodePort or LoadBalancer only, in cilium-cli words', () => {
    expect(validateServiceType('NodePort')).toBe('NodePort');
    expect(() => validateServiceType(undefined)).toThrow("cannot auto-detect service type, please specify using '--service-type' option");
    expect(() => validateServiceType('ClusterIP')).toThrow('service type "ClusterIP" is not valid');
  });

  it('finds its own node by address, loopback included', () => {
    const ifaces = { lo: [iface('127.0.0.1', '127.0.0.1/8', true)], eth0: [iface('10.20.31.11', '10.20.31.11/24')] };
    expect(isLocalAddress('10.20.31.11', ifaces)).toBe(true);
    expect(isLocalAddress('10.20.31.21', ifaces)).toBe(false);
    expect(isLocalAddress('127.44.3.2', ifaces)).toBe(true);
    expect(isLocalAddress('127.44.3.2', { eth0: ifaces.eth0 })).toBe(false);
  });

  it('marks what it creates as the Helm release\'s', () => {
    expect(releaseOwnership('cilium', 'kube-system')).toEqual({
      labels: { 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: { 'meta.helm.sh/release-name': 'cilium', 'meta.helm.sh/release-namespace': 'kube-system' },
    });
  });
});
