import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '@meshbook/engine';
import { describePlanFixtures } from '../testing/plan-fixtures.js';
import { canonicalAddress, openstackAllowedAddress } from './allowed-address.js';
import type { OpenstackPortsState } from './allowed-address.js';
import type { NeutronPort } from './api.js';
import { resolveCredentials } from './credentials.js';
import type { CloudCredentials } from './credentials.js';

const credentials: CloudCredentials = {
  source: 'cloud lab in clouds.yaml',
  authUrl: 'http://127.0.0.1:5000/identity/v3',
  username: 'meshbook',
  password: new Secret('plan-fixture-password'),
  projectName: 'meshbook',
  userDomainName: 'Default',
  projectDomainName: 'Default',
  interface: 'public',
  fields: { authUrl: 'clouds.lab.auth.auth_url', username: 'clouds.lab.auth.username', password: 'clouds.lab.auth.password', project: 'clouds.lab.auth.project_name' },
};
const MAC = 'fa:16:3e:00:00:01';
const port = (id: string, ip: string, pairs: string[], extra: Partial<NeutronPort> = {}): NeutronPort => ({
  id,
  network_id: 'net',
  device_id: 'srv',
  mac_address: MAC,
  fixed_ips: [{ ip_address: ip, subnet_id: 'sub' }],
  allowed_address_pairs: pairs.map((ip_address) => ({ ip_address, mac_address: MAC })),
  port_security_enabled: true,
  revision_number: 4,
  ...extra,
});
const state = (...ports: NeutronPort[]): OpenstackPortsState => ({ credentials, server: { id: 'srv', name: 'node-0' }, ports });
const base = { server: 'node-0', cloud: 'lab' };

describePlanFixtures(
  openstackAllowedAddress,
  [
    {
      name: 'a port without pairs: one change adding every address',
      params: { ...base, addresses: ['10.0.0.190', '10.0.0.191'] },
      facts: state(port('p1', '10.0.0.5', [])),
      changes: [{ kind: 'openstack.allowed-address-pairs', target: 'port p1 (node-0 10.0.0.5)', summary: 'allow 10.0.0.190, 10.0.0.191 on port p1 of node-0', before: '', after: '10.0.0.190, 10.0.0.191' }],
    },
    {
      name: 'every address already allowed: nothing (idempotent)',
      params: { ...base, addresses: ['10.0.0.190', '10.0.0.191'] },
      facts: state(port('p1', '10.0.0.5', ['10.0.0.191', '10.0.0.190'])),
      changes: [],
    },
    {
      name: 'some allowed, other pairs present: only the lacking address, the others kept',
      params: { ...base, addresses: ['10.0.0.190', '10.0.0.191'] },
      facts: state(port('p1', '10.0.0.5', ['192.168.9.9', '10.0.0.190'])),
      changes: [{ kind: 'openstack.allowed-address-pairs', target: 'port p1 (node-0 10.0.0.5)', summary: 'allow 10.0.0.191 on port p1 of node-0', before: '192.168.9.9, 10.0.0.190', after: '192.168.9.9, 10.0.0.190, 10.0.0.191' }],
    },
    {
      name: 'an address given as /32 is the address Neutron holds without a prefix',
      params: { ...base, addresses: ['10.0.0.190/32'] },
      facts: state(port('p1', '10.0.0.5', ['10.0.0.190'])),
      changes: [],
    },
    {
      name: 'the same address twice in params is added once',
      params: { ...base, addresses: ['10.0.0.190', '10.0.0.190/32'] },
      facts: state(port('p1', '10.0.0.5', [])),
      changes: [{ kind: 'openstack.allowed-address-pairs', target: 'port p1 (node-0 10.0.0.5)', after: '10.0.0.190' }],
    },
    {
      name: 'a CIDR is kept as a CIDR',
      params: { ...base, addresses: ['10.0.0.192/28'] },
      facts: state(port('p1', '10.0.0.5', [])),
      changes: [{ kind: 'openstack.allowed-address-pairs', target: 'port p1 (node-0 10.0.0.5)', after: '10.0.0.192/28' }],
    },
    {
      name: 'two ports: a change per port that lacks an address',
      params: { ...base, addresses: ['10.0.0.190'] },
      facts: state(port('p1', '10.0.0.5', ['10.0.0.190']), port('p2', '10.1.0.5', [])),
      changes: [{ kind: 'openstack.allowed-address-pairs', target: 'port p2 (node-0 10.1.0.5)' }],
    },
    {
      name: 'a port without port security (no anti-spoofing) needs no pair: left alone',
      params: { ...base, addresses: ['10.0.0.190'] },
      facts: state(port('p1', '10.0.0.5', [], { port_security_enabled: false })),
      changes: [],
    },
  ],
  [
    { name: 'no addresses', params: { ...base, addresses: [] }, error: /openstackAllowedAddress\.addresses: at least one address/ },
    { name: 'a host name for an address', params: { ...base, addresses: ['lb.example'] }, error: /openstackAllowedAddress\.addresses\[0\]: an IP address/ },
    { name: 'a prefix too long', params: { ...base, addresses: ['10.0.0.1/33'] }, error: /addresses\[0\]/ },
    { name: 'no server', params: { addresses: ['10.0.0.1'] }, error: /openstackAllowedAddress\.server/ },
    { name: 'a server name with a newline', params: { ...base, server: 'a\nb', addresses: ['10.0.0.1'] }, error: /openstackAllowedAddress\.server/ },
    { name: 'an unknown parameter (a password in params)', params: { ...base, addresses: ['10.0.0.1'], password: 'x' }, error: /password/ },
  ],
);

describe('openstackAllowedAddress plan payload', () => {
  it('carries the whole new list (existing pairs as they are, with their MAC), the revision and the account', () => {
    const p = openstackAllowedAddress.parse({ ...base, addresses: ['10.0.0.190'] });
    const [change] = openstackAllowedAddress.definition.plan(state(port('p1', '10.0.0.5', ['192.168.9.9'])), p);
    expect(change!.payload).toMatchObject({ portId: 'p1', revision: 4, pairs: [{ ip_address: '192.168.9.9', mac_address: MAC }, { ip_address: '10.0.0.190' }] });
    expect(change!.payload.credentials.password).toBeInstanceOf(Secret);
    expect(JSON.stringify(change)).not.toContain('plan-fixture-password');
    expect(inspect(change, { depth: 10 })).not.toContain('plan-fixture-password');
  });
  it('canonical addresses: /32 and /128 dropped, IPv6 lower-cased', () => {
    expect(canonicalAddress('10.0.0.1/32')).toBe('10.0.0.1');
    expect(canonicalAddress('FD00::1/128')).toBe('fd00::1');
    expect(canonicalAddress('10.0.0.0/24')).toBe('10.0.0.0/24');
  });
});

describe('openstackAllowedAddress credentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'os-creds-'));
  const clouds = join(dir, 'clouds.yaml');
  writeFileSync(clouds, 'clouds:\n  lab:\n    auth:\n      auth_url: http://127.0.0.1:1/identity/v3\n      username: u\n      password: creds-test-password\n      project_name: p\n    region_name: RegionOne\n  nopass:\n    auth:\n      auth_url: http://127.0.0.1:1/identity/v3\n      username: u\n      project_name: p\n');

  it('a cloud from clouds.yaml, its password a Secret', () => {
    const c = resolveCredentials({ cloud: 'lab', cloudsFile: clouds }, {});
    expect(c).toMatchObject({ authUrl: 'http://127.0.0.1:1/identity/v3', username: 'u', projectName: 'p', regionName: 'RegionOne', userDomainName: 'Default', source: `cloud lab in ${clouds}` });
    expect(c.password).toBeInstanceOf(Secret);
    expect(String(c.password)).toBe('***');
  });
  it('OS_CLOUD and OS_CLIENT_CONFIG_FILE as the client reads them', () => {
    expect(resolveCredentials({}, { OS_CLOUD: 'lab', OS_CLIENT_CONFIG_FILE: clouds }).username).toBe('u');
  });
  it('no cloud: the OS_* variables', () => {
    const c = resolveCredentials({}, { OS_AUTH_URL: 'http://127.0.0.1:1/v3', OS_USERNAME: 'e', OS_PASSWORD: 'env-pass-1', OS_PROJECT_NAME: 'q', OS_USER_DOMAIN_NAME: 'd' });
    expect(c).toMatchObject({ authUrl: 'http://127.0.0.1:1/v3', username: 'e', projectName: 'q', userDomainName: 'd', source: 'the OS_* variables' });
  });
  it('a missing password names the field to set', () => {
    expect(() => resolveCredentials({ cloud: 'nopass', cloudsFile: clouds }, {})).toThrow(/password is missing \(clouds\.nopass\.auth\.password/);
    expect(() => resolveCredentials({}, { OS_AUTH_URL: 'http://x/v3', OS_USERNAME: 'e', OS_PROJECT_NAME: 'q' })).toThrow(/OS_PASSWORD/);
  });
  it('an unknown cloud lists the known ones; no clouds.yaml says where it looked', () => {
    expect(() => resolveCredentials({ cloud: 'prod', cloudsFile: clouds }, {})).toThrow(/no cloud "prod" \(it has: lab, nopass\)/);
    expect(() => resolveCredentials({ cloud: 'lab' }, { OS_CLIENT_CONFIG_FILE: join(dir, 'absent.yaml') })).toThrow(/no clouds\.yaml exists \(looked in .*absent\.yaml\)/);
  });
});
