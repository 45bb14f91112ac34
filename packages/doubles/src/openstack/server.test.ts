import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seedHostsFromInventory, seededState } from './seed.js';
import { startOpenStackDouble } from './server.js';
import type { RunningOpenStackDouble } from './server.js';

const labRke = resolve(import.meta.dirname, '../../../../inventories/lab-rke/hosts.yaml');
const account = { user: 'u', project: 'p', userDomain: 'Default', projectDomain: 'Default', password: 'double-test-pw' };
const dirs: string[] = [];
const running: RunningOpenStackDouble[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(stateDir = mkdtempSync(join(tmpdir(), 'os-double-'))) {
  dirs.push(stateDir);
  const r = await startOpenStackDouble({ stateDir, initial: () => seededState(account, seedHostsFromInventory(labRke)) });
  running.push(r);
  return { r, stateDir };
}
const login = (r: RunningOpenStackDouble, password = account.password) =>
  fetch(`${r.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'u', domain: { name: 'Default' }, password } } }, scope: { project: { name: 'p', domain: { name: 'Default' } } } } }),
  });

describe('OpenStack double', () => {
  it('seeds one server per lab-rke node, one port on its upstream_ip in openstack_network', () => {
    const hosts = seedHostsFromInventory(labRke);
    expect(hosts).toHaveLength(6);
    expect(hosts[0]).toEqual({ name: 'k8s-cluster1-node-0', address: '10.197.1.165', network: 'vlan197_net' });
    const state = seededState(account, hosts);
    expect(state.ports.map((p) => p.fixed_ips[0]!.ip_address)).toContain('10.197.2.172');
    expect(state.networks.map((n) => n.name)).toEqual(['vlan197_net']);
  });

  it('Keystone: a wrong password is 401 in Keystone\'s error format; the right one gives a token and a catalog on this address', async () => {
    const { r } = await start();
    const bad = await login(r, 'nope');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    const ok = await login(r);
    expect(ok.status).toBe(201);
    expect(ok.headers.get('x-subject-token')).toMatch(/^gAAAAA/);
    const body = (await ok.json()) as { token: { catalog: { type: string; endpoints: { url: string }[] }[] } };
    expect(body.token.catalog.find((s) => s.type === 'network')!.endpoints[0]!.url).toBe(r.endpoints.network);
    expect((await fetch(`${r.endpoints.network}/v2.0/ports`)).status).toBe(401);
  });

  it('Neutron: pairs completed with the MAC, duplicates refused, If-Match honoured, state kept on disk across a restart', async () => {
    const { r, stateDir } = await start();
    const token = (await login(r)).headers.get('x-subject-token')!;
    const headers = { 'X-Auth-Token': token, 'Content-Type': 'application/json' };
    const ports = ((await (await fetch(`${r.endpoints.network}/v2.0/ports?fixed_ips=ip_address%3D10.197.1.175`, { headers })).json()) as { ports: { id: string; mac_address: string; revision_number: number }[] }).ports;
    expect(ports).toHaveLength(1);
    const url = `${r.endpoints.network}/v2.0/ports/${ports[0]!.id}`;
    const put = (pairs: unknown, extra: Record<string, string> = {}) => fetch(url, { method: 'PUT', headers: { ...headers, ...extra }, body: JSON.stringify({ port: { allowed_address_pairs: pairs } }) });
    const stale = await put([{ ip_address: '10.197.1.190' }], { 'If-Match': `revision_number=${ports[0]!.revision_number + 5}` });
    expect(stale.status).toBe(412);
    const done = await put([{ ip_address: '10.197.1.190' }], { 'If-Match': `revision_number=${ports[0]!.revision_number}` });
    expect(((await done.json()) as { port: { allowed_address_pairs: unknown } }).port.allowed_address_pairs).toEqual([{ ip_address: '10.197.1.190', mac_address: ports[0]!.mac_address }]);
    const dup = await put([{ ip_address: '10.197.1.190', mac_address: ports[0]!.mac_address }, { ip_address: '10.197.1.190' }]);
    expect(dup.status).toBe(400);
    expect(JSON.stringify(await dup.json())).toContain('duplicate address pair');
    expect(readFileSync(r.stateFile, 'utf8')).not.toContain('gAAAAA');
    await r.close();
    running.splice(0);
    const again = await startOpenStackDouble({ stateDir, initial: () => { throw new Error('state must be read from disk'); } });
    running.push(again);
    const token2 = (await login(again)).headers.get('x-subject-token')!;
    const shown = (await (await fetch(`${again.endpoints.network}/v2.0/ports/${ports[0]!.id}`, { headers: { 'X-Auth-Token': token2 } })).json()) as { port: { allowed_address_pairs: { ip_address: string }[] } };
    expect(shown.port.allowed_address_pairs.map((p) => p.ip_address)).toEqual(['10.197.1.190']);
  });
});
