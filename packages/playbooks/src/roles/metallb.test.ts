import { describe, expect, it } from 'vitest';
import { metallbPoolObjects, metallbUsesCrds } from './metallb.js';

const RANGE = '10.195.197.190-10.195.197.194';

describe("MetalLB's layer-2 pool in the form the pinned version reads (seed 004-07)", () => {
  it('0.13 and later: an IPAddressPool and the L2Advertisement announcing it', () => {
    expect(metallbPoolObjects(RANGE, '0.14.9')).toEqual([
      { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'default', namespace: 'metallb-system' }, spec: { addresses: [RANGE] } },
      { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'default', namespace: 'metallb-system' }, spec: { ipAddressPools: ['default'] } },
    ]);
    expect(metallbPoolObjects(RANGE, '0.13.0').map((o) => o.kind)).toEqual(['IPAddressPool', 'L2Advertisement']);
  });

  it("below 0.13: the seed's `config` ConfigMap, whose YAML MetalLB reads as the seed wrote it", () => {
    const [config, ...rest] = metallbPoolObjects(RANGE, '0.12.1');
    expect(rest).toEqual([]);
    expect(config).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config', namespace: 'metallb-system' } });
    expect((config as { data: { config: string } }).data.config).toBe(`address-pools:\n- name: default\n  protocol: layer2\n  addresses:\n  - ${RANGE}\n`);
  });

  it('the version boundary', () => {
    expect(['0.9.6', '0.12.1', '0.13.0', '0.13.12', '0.14.9', '1.0.0'].map(metallbUsesCrds)).toEqual([false, false, true, true, true, true]);
  });
});
