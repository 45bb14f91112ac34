import { describe, expect, it } from 'vitest';
import { validateForConnect } from './connect.js';
import type { AccessInformation } from '../../clustermesh/cluster-state.js';

const info = (name: string, id: string, max = 255): AccessInformation => ({ name, id, maxConnectedClusters: max, serviceType: 'NodePort', serviceIps: ['192.0.2.1'], servicePort: 32379, caPem: 'CA' });

describe('connect validation, in cilium-cli words', () => {
  it('accepts two distinct, configured clusters', () => {
    expect(() => validateForConnect(info('cluster-ayk', '1'), info('cluster-kzh', '2'))).not.toThrow();
  });
  it.each([
    [info('c1', '1'), info('default', '2'), 'remote cluster has non-unique name (default) and/or ID (2)'],
    [info('c1', '0'), info('c2', '2'), 'local cluster has the default name (cluster name: c1) and/or ID 0 (cluster ID: 0)'],
    [info('c1', '1'), info('c2', '300'), 'remote cluster has cluster ID 300 out of acceptable range (1-255)'],
    [info('c1', '1'), info('c2', '2', 511), 'remote and local clusters have different max connected clusters: 511 != 255'],
    [info('c1', '1'), info('c1', '2'), 'remote and local cluster have the same, non-unique name: c1'],
    [info('c1', '1'), info('c2', '1'), 'remote and local cluster have the same, non-unique ID: 1'],
  ])('refuses %#', (local, remote, message) => {
    expect(() => validateForConnect(local, remote)).toThrow(message);
  });
});
