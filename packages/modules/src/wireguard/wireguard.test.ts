import { describe, expect, it } from 'vitest';
import { KnownAfterApply } from '@meshbook/engine';
import { describePlanFixtures } from '../testing/plan-fixtures.js';
import { renderWireguardConfig } from './config.js';
import { wireguardInterface } from './interface.js';
import { wireguardKey } from './key.js';
import { wireguardPeers, type MeshMember } from './topology.js';

const KEY_A = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const KEY_B = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';

describePlanFixtures(
  wireguardKey,
  [
    { name: 'generates a missing key', params: {}, facts: { state: 'missing' }, changes: [{ kind: 'wireguard.key', target: '/etc/wireguard/wg0.key' }] },
    { name: 'tightens a readable key', params: { interface: 'wg1' }, facts: { state: 'present', publicKey: KEY_A, mode: '644' }, changes: [{ kind: 'wireguard.key-mode', target: '/etc/wireguard/wg1.key' }] },
    { name: 'keeps a present key', params: {}, facts: { state: 'present', publicKey: KEY_A, mode: '600' }, changes: [] },
  ],
  [
    { name: 'a bad interface name', params: { interface: 'wg0; reboot' }, error: /wireguardKey\.interface/ },
    { name: 'a relative key path', params: { privateKeyFile: 'wg.key' }, error: /privateKeyFile: an absolute path/ },
  ],
);

describe('wireguardKey plan', () => {
  it('refuses to overwrite a file that is not a key', () => {
    const params = wireguardKey.parse({});
    expect(() => wireguardKey.definition.plan({ state: 'malformed' }, params)).toThrow(/not a WireGuard private key/);
  });
});

const params = {
  address: '10.7.0.2/24',
  peers: [{ name: 'wg-server', publicKey: KEY_A, endpoint: '172.18.0.2:51820', allowedIps: ['10.7.0.0/24'], persistentKeepalive: 25 }],
};
const desired = renderWireguardConfig(wireguardInterface.parse(params));
const live = [{ publicKey: KEY_A, endpoint: '172.18.0.2:51820', allowedIps: ['10.7.0.0/24'], persistentKeepalive: 25 }];
const upToDate = { config: desired, configMode: '600', running: true, enabled: true, livePeers: live };

describePlanFixtures(
  wireguardInterface,
  [
    {
      name: 'a fresh host: config, enable, up',
      params,
      facts: { config: null, configMode: null, running: false, enabled: false, livePeers: [] },
      changes: [
        { kind: 'wireguard.config', target: '/etc/wireguard/wg0.conf' },
        { kind: 'wireguard.enable', target: 'wg-quick@wg0' },
        { kind: 'wireguard.up', target: 'wg-quick@wg0' },
      ],
    },
    { name: 'nothing to do', params, facts: upToDate, changes: [] },
    {
      name: 'a new peer is synced live, not restarted',
      params: { ...params, peers: [...params.peers, { name: 'n2', publicKey: KEY_B, allowedIps: ['10.7.0.3/32'] }] },
      facts: upToDate,
      changes: [
        { kind: 'wireguard.config', target: '/etc/wireguard/wg0.conf' },
        { kind: 'wireguard.sync', target: 'wg0' },
      ],
    },
    {
      name: 'a drifted live peer is synced back',
      params,
      facts: { ...upToDate, livePeers: [] },
      changes: [{ kind: 'wireguard.sync', target: 'wg0' }],
    },
    {
      name: 'a new address restarts the interface',
      params: { ...params, address: '10.7.0.9/24' },
      facts: upToDate,
      changes: [
        { kind: 'wireguard.config', target: '/etc/wireguard/wg0.conf' },
        { kind: 'wireguard.restart', target: 'wg-quick@wg0' },
      ],
    },
    {
      name: 'a world-readable config is fixed',
      params,
      facts: { ...upToDate, configMode: '644' },
      changes: [{ kind: 'wireguard.config', target: '/etc/wireguard/wg0.conf', summary: 'mode 644 → 600' }, { kind: 'wireguard.sync', target: 'wg0' }],
    },
  ],
  [
    { name: 'an address without prefix', params: { ...params, address: '10.7.0.2' }, error: /wireguardInterface\.address/ },
    { name: 'a malformed public key', params: { ...params, peers: [{ publicKey: 'nope', allowedIps: ['10.7.0.1/32'] }] }, error: /peers\[0\]\.publicKey/ },
    { name: 'an unknown field', params: { ...params, privateKey: KEY_A }, error: /privateKey/ },
  ],
);

describe('wireguard config', () => {
  it('never holds a private key: PostUp loads it from the 0600 file', () => {
    expect(desired).not.toMatch(/PrivateKey/);
    expect(desired).toContain('PostUp = wg set %i private-key /etc/wireguard/wg0.key');
  });

  it('a peer key that only exists after apply is left to the engine: the params cannot be planned yet', () => {
    const publicKey = new KnownAfterApply('wg-server public key');
    const boundary = wireguardInterface.atBoundary({ ...params, peers: [{ publicKey, allowedIps: ['10.7.0.0/24'] }] });
    expect(boundary).toEqual({ knownAfterApply: [publicKey] });
  });
});

describe('wireguardPeers', () => {
  const members: MeshMember[] = [
    { name: 'server', address: '10.7.0.1', endpoint: '203.0.113.1:51820', publicKey: KEY_A, hub: true },
    { name: 'm1', address: '10.7.0.2', publicKey: KEY_B, extraAllowedIps: ['10.244.0.0/16'] },
    { name: 'm2', address: '10.7.0.4', publicKey: KEY_B, extraAllowedIps: ['10.242.0.0/16'] },
  ];

  it('hub lists every spoke with its extra networks', () => {
    const peers = wireguardPeers('server', members, { topology: 'hub-and-spoke', subnet: '10.7.0.0/24' });
    expect(peers.map((p) => [p.name, p.allowedIps])).toEqual([
      ['m1', ['10.7.0.2/32', '10.244.0.0/16']],
      ['m2', ['10.7.0.4/32', '10.242.0.0/16']],
    ]);
  });

  it('a spoke routes the subnet and the other spokes\' networks through the hub', () => {
    const peers = wireguardPeers('m1', members, { topology: 'hub-and-spoke', subnet: '10.7.0.0/24', persistentKeepalive: 25 });
    expect(peers).toEqual([
      { name: 'server', publicKey: KEY_A, endpoint: '203.0.113.1:51820', allowedIps: ['10.7.0.0/24', '10.242.0.0/16'], persistentKeepalive: 25 },
    ]);
  });

  it('full mesh lists everyone else', () => {
    expect(wireguardPeers('m1', members, { topology: 'full-mesh' }).map((p) => p.name)).toEqual(['server', 'm2']);
  });
});

describe('wireguard: values wg-quick would interpret (issue 19, item 2)', () => {
  const base = { address: '10.7.0.2/24', peers: [{ publicKey: KEY_A, allowedIps: ['10.7.0.0/24'] }] };
  it.each([
    ['a key path with shell syntax', { ...base, privateKeyFile: '/etc/wireguard/k;touch /tmp/pwned' }, /privateKeyFile/],
    ['a key path with %i', { ...base, privateKeyFile: '/etc/wireguard/%i.key' }, /privateKeyFile/],
    ['a key path with a backslash', { ...base, privateKeyFile: '/etc/wireguard/k\\x.key' }, /privateKeyFile/],
    ['a peer name with a newline', { ...base, peers: [{ ...base.peers[0], name: 'a\n[Interface]\nPostUp = id' }] }, /peers\.0\.name|peers\[0\]\.name/],
    ['an endpoint with a #', { ...base, peers: [{ ...base.peers[0], endpoint: 'h#x:1' }] }, /endpoint/],
  ])('refuses %s', (_, params, field) => {
    expect(() => wireguardInterface.parse(params)).toThrow(field);
  });

  it('the renderer refuses a line break even from unvalidated settings', () => {
    const settings = { ...wireguardInterface.parse(base), peers: [{ name: 'x\nPostUp = id', publicKey: KEY_A, allowedIps: ['10.7.0.0/24'] }] };
    expect(() => renderWireguardConfig(settings)).toThrow(/line break/);
  });

  it('accepts IPv6 and named endpoints', () => {
    for (const endpoint of ['[fd00::1]:51820', 'wg.example.org:51820', '192.0.2.1:1']) {
      expect(() => wireguardInterface.parse({ ...base, peers: [{ ...base.peers[0], endpoint }] })).not.toThrow();
    }
  });
});
