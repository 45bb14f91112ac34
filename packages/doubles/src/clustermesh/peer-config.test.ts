import { describe, expect, it } from 'vitest';
import { formatPeerEntry, parsePeerEntries } from './peer-config.js';
import { addressInCidr } from './local-state.js';

describe('cilium-clustermesh Secret entries', () => {
  it('round-trips a peer with its endpoints', () => {
    const data = formatPeerEntry({ name: 'cluster-kzh', endpoints: [{ host: '10.7.0.2', port: 32379 }] });
    expect(data['cluster-kzh']).toMatch(/^endpoints:\n- https:\/\/10\.7\.0\.2:32379\ntrusted-ca-file: /);
    expect(parsePeerEntries({ ...data, 'cluster-ayk': data['cluster-kzh']!.replace('10.7.0.2', '10.7.0.4') }, 'cluster-ayk')).toEqual([
      { name: 'cluster-kzh', endpoints: [{ host: '10.7.0.2', port: 32379 }] },
    ]);
  });

  it('keeps the peer CA given by --allow-mismatching-ca beside the entry', () => {
    const data = formatPeerEntry({ name: 'c2', endpoints: [{ host: '::1', port: 2379 }], extraCaPem: 'CA2' });
    expect(Object.keys(data).sort()).toEqual(['c2', 'c2.etcd-client-ca.crt']);
    expect(parsePeerEntries(data)).toEqual([{ name: 'c2', endpoints: [{ host: '::1', port: 2379 }], extraCaPem: 'CA2' }]);
  });

  it('refuses a cluster name that is not one', () => {
    expect(() => formatPeerEntry({ name: 'Bad Name', endpoints: [] })).toThrow(/not a valid Cilium cluster name/);
  });

  it('places backend addresses inside a pod CIDR', () => {
    expect(addressInCidr('10.242.0.0/16', 10)).toBe('10.242.0.10');
    expect(addressInCidr('10.242.1.0/24', 300)).toBeUndefined();
  });
});
