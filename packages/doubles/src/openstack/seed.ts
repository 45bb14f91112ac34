// Seeds the double from an inventory: one server per host named as the host, with one port on its
// network address (`upstream_ip`) in the network `openstack_network` names, as the seed's Heat
// template creates them (k8s-cluster<N>-node-<index> on vlan197_net).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Account, OpenStackState } from './state.js';
import { macFor, nowIso, stableId } from './state.js';

export interface SeedHost {
  name: string;
  address: string;
  network: string;
}

interface Group {
  vars?: Record<string, unknown>;
  hosts?: Record<string, Record<string, unknown> | null>;
  children?: Record<string, Group | null>;
}

/** Every host with an `upstream_ip`, its network from the nearest `openstack_network`. */
export function seedHostsFromInventory(path: string): SeedHost[] {
  const root = parse(readFileSync(path, 'utf8')) as Record<string, Group>;
  const found = new Map<string, SeedHost>();
  const walk = (group: Group | null | undefined, inherited: Record<string, unknown>): void => {
    if (!group) return;
    const vars = { ...inherited, ...(group.vars ?? {}) };
    for (const [name, hostVars] of Object.entries(group.hosts ?? {})) {
      const all = { ...vars, ...(hostVars ?? {}) };
      const address = all.upstream_ip;
      if (typeof address === 'string' && !found.has(name)) {
        found.set(name, { name, address, network: typeof all.openstack_network === 'string' ? all.openstack_network : 'private' });
      }
    }
    for (const child of Object.values(group.children ?? {})) walk(child, vars);
  };
  for (const group of Object.values(root)) walk(group, {});
  // A group named again without a body (`cluster1:` under rke_worker) adds no host: its body is
  // walked where it is defined.
  return [...found.values()];
}

export function seededState(account: Account, hosts: SeedHost[], region = 'RegionOne'): OpenStackState {
  const created = nowIso();
  const networks = [...new Set(hosts.map((h) => h.network))].map((name) => ({
    id: stableId('network', name),
    name,
    subnet_id: stableId('subnet', name),
    cidr: '',
  }));
  const networkOf = (name: string) => networks.find((n) => n.name === name)!;
  const servers = hosts.map((h) => ({ id: stableId('server', h.name), name: h.name, created }));
  const ports = hosts.map((h) => {
    const id = stableId('port', h.name, h.address);
    const network = networkOf(h.network);
    return {
      id,
      name: '',
      network_id: network.id,
      device_id: stableId('server', h.name),
      device_owner: 'compute:nova',
      mac_address: macFor(id),
      fixed_ips: [{ subnet_id: network.subnet_id, ip_address: h.address }],
      allowed_address_pairs: [],
      port_security_enabled: true,
      revision_number: 1,
      created_at: created,
      updated_at: created,
    };
  });
  return {
    account,
    region,
    projectId: stableId('project', account.project).replace(/-/g, ''),
    userId: stableId('user', account.user).replace(/-/g, ''),
    servers,
    networks,
    ports,
  };
}
