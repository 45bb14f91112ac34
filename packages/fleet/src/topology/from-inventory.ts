import type { InventoryHost } from '@meshbook/engine';
import { contains, overlap, parseCidr, parseIpv4, type Ipv4Network } from './ipv4.js';
import type { LabTopology } from './types.js';

/** The network standing in for the Internet: hosts off it reach it through a host on it. */
export const PUBLIC_NETWORK = 'public';

/** Docker's default address pools: a lab network there would collide with networks Docker picks. */
const DOCKER_POOLS = ['172.16.0.0/12', '192.168.0.0/16'].map((c) => ({ cidr: c, net: parseCidr(c)! }));

const LOOPBACK = new Set(['127.0.0.1', 'localhost']);
const NETWORK_NAME = /^[a-z][a-z0-9_-]{0,30}$/;
const JUMP = /^(?:[^@\s]+@)?(127\.0\.0\.1|localhost):(\d{1,5})$/;

/**
 * Reads the topology from a lab inventory:
 *   - `lab_networks` (all.vars): name → subnet, the Docker networks standing in for the seed's;
 *   - a host sits on every lab network holding one of its addresses: `public_ip`, `upstream_ip`,
 *     and `lab_addresses` (the lab's own list, for a router's legs on networks it routes to);
 *   - a host with ansible_host 127.0.0.1 gets sshd published on its ansible_port; any other host
 *     is reached, as in production, at one of its addresses through a ProxyJump to such a host;
 *   - a host off the `public` network reaches it through a host on both (the WireGuard server's
 *     public address is reachable from anywhere in production);
 *   - `lab_router` (optional) adds a router on the networks it names, for seeds whose networks
 *     route to each other; no other route crosses networks.
 * Returns the plan, or problems naming the host and field.
 */
export function labTopologyFrom(hosts: readonly InventoryHost[]): { plan: LabTopology; problems: string[] } {
  const problems: string[] = [];
  const networks = readNetworks(hosts, problems);
  const byName = new Map(networks.map((n) => [n.name, n]));
  const networkOf = (ip: string) => networks.find((n) => contains(n.range, parseIpv4(ip)!));

  const planned: LabTopology['hosts'] = [];
  for (const host of hosts) {
    const addresses: Array<{ network: string; ip: string }> = [];
    for (const [field, ip] of hostAddresses(host, problems)) {
      const network = networkOf(ip);
      if (!network) {
        problems.push(`${host.name}: ${field} ${ip} is on none of lab_networks (${networks.map((n) => `${n.name} ${n.subnet}`).join(', ') || 'none'})`);
      } else if (addresses.some((a) => a.network === network.name && a.ip !== ip)) {
        problems.push(`${host.name}: two addresses on lab network ${network.name}; a host has one address per network`);
      } else if (!addresses.some((a) => a.ip === ip)) {
        addresses.push({ network: network.name, ip });
      }
    }
    if (addresses.length === 0) problems.push(`${host.name}: no address on a lab network (set upstream_ip or public_ip)`);
    const published = LOOPBACK.has(host.connection.address);
    planned.push({ name: host.name, addresses, sshPort: published ? host.connection.port : null, routes: [] });
  }

  checkReach(hosts, planned, problems);
  const ports = planned.map((h) => h.sshPort).filter((p): p is number => p !== null);
  const clash = ports.find((p, i) => ports.indexOf(p) !== i);
  if (clash !== undefined) problems.push(`two hosts use SSH port ${clash}: give each published lab host its own ansible_port`);

  const router = readRouter(hosts, byName, problems);
  if (router) {
    for (const host of planned) {
      const leg = router.addresses.find((a) => host.addresses.some((h) => h.network === a.network));
      if (!leg) continue;
      for (const other of router.addresses) {
        if (other.network === PUBLIC_NETWORK || host.addresses.some((h) => h.network === other.network)) continue;
        host.routes.push({ to: byName.get(other.network)!.subnet, via: leg.ip });
      }
    }
    planned.push(router);
  }
  const ips = planned.flatMap((h) => h.addresses.map((a) => a.ip));
  const taken = ips.find((ip, i) => ips.indexOf(ip) !== i);
  if (taken) problems.push(`two hosts use the address ${taken}`);

  const publicNet = byName.get(PUBLIC_NETWORK);
  if (publicNet) {
    for (const host of planned) {
      if (host.addresses.some((a) => a.network === PUBLIC_NETWORK)) continue;
      const gateway = planned.find((r) => r.addresses.some((a) => a.network === PUBLIC_NETWORK) && r.addresses.some((a) => host.addresses.some((h) => h.network === a.network)));
      const leg = gateway?.addresses.find((a) => host.addresses.some((h) => h.network === a.network));
      if (leg) host.routes.push({ to: publicNet.subnet, via: leg.ip });
    }
  }
  return { plan: { networks: networks.map(({ name, subnet }) => ({ name, subnet })), hosts: planned }, problems };
}

function readNetworks(hosts: readonly InventoryHost[], problems: string[]): Array<{ name: string; subnet: string; range: Ipv4Network }> {
  const seen = new Set(hosts.map((h) => JSON.stringify(h.vars['lab_networks'] ?? null)));
  if (seen.size !== 1 || seen.has('null')) {
    problems.push('lab_networks must be set once for all hosts (all.vars: a map of network name to subnet, e.g. public: 198.18.0.0/24)');
    return [];
  }
  const value = hosts[0]?.vars['lab_networks'];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('lab_networks must map network names to subnets, e.g. public: 198.18.0.0/24');
    return [];
  }
  const networks: Array<{ name: string; subnet: string; range: Ipv4Network }> = [];
  for (const [name, subnet] of Object.entries(value)) {
    const range = typeof subnet === 'string' ? parseCidr(subnet) : null;
    if (!NETWORK_NAME.test(name)) problems.push(`lab_networks.${name}: a network name is [a-z][a-z0-9_-]* (it names a Docker network)`);
    if (!range) {
      problems.push(`lab_networks.${name}: ${JSON.stringify(subnet)} is not a network such as 10.148.10.0/24`);
      continue;
    }
    const pool = DOCKER_POOLS.find((p) => overlap(p.net, range));
    if (pool) problems.push(`lab_networks.${name}: ${subnet} overlaps Docker's default pool ${pool.cidr}, where Docker puts other networks; pick a subnet outside it`);
    const other = networks.find((n) => overlap(n.range, range));
    if (other) problems.push(`lab_networks.${name}: ${subnet} overlaps ${other.name} ${other.subnet}`);
    networks.push({ name, subnet: subnet as string, range });
  }
  return networks;
}

/**
 * `lab_router` (all.vars): network name → address. A lab host that is no inventory host and routes
 * between the networks it sits on, for a seed whose networks route to each other (seed 004's
 * clusters on OpenStack); every host gets routes to the router's other networks.
 */
function readRouter(hosts: readonly InventoryHost[], networks: Map<string, { range: Ipv4Network }>, problems: string[]): LabTopology['hosts'][number] | null {
  const value = hosts[0]?.vars['lab_router'];
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('lab_router must map lab network names to the router\'s address on each, e.g. cluster1: 10.197.1.254');
    return null;
  }
  if (hosts.some((h) => h.name === LAB_ROUTER)) problems.push(`lab_router: the inventory already has a host named ${LAB_ROUTER}`);
  const addresses: Array<{ network: string; ip: string }> = [];
  for (const [network, ip] of Object.entries(value)) {
    const range = networks.get(network)?.range;
    const address = typeof ip === 'string' ? parseIpv4(ip) : null;
    if (!range) problems.push(`lab_router.${network}: no such lab network`);
    else if (address === null || !contains(range, address)) problems.push(`lab_router.${network}: ${JSON.stringify(ip)} is not an address on ${network}`);
    else addresses.push({ network, ip: ip as string });
  }
  if (addresses.length < 2) problems.push('lab_router needs an address on two lab networks or more');
  return { name: LAB_ROUTER, addresses, sshPort: null, routes: [], forwards: true };
}

/** The container lab_router starts. */
export const LAB_ROUTER = 'lab-router';

function hostAddresses(host: InventoryHost, problems: string[]): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const field of ['public_ip', 'upstream_ip'] as const) {
    const value = host.vars[field];
    if (value === undefined) continue;
    if (typeof value === 'string' && parseIpv4(value) !== null) found.push([field, value]);
    else problems.push(`${host.name}: ${field} ${JSON.stringify(value)} is not an IPv4 address`);
  }
  const extra = host.vars['lab_addresses'];
  if (extra !== undefined) {
    if (!Array.isArray(extra) || extra.some((ip) => typeof ip !== 'string' || parseIpv4(ip) === null)) {
      problems.push(`${host.name}: lab_addresses must be a list of IPv4 addresses`);
    } else {
      for (const ip of extra as string[]) found.push(['lab_addresses', ip]);
    }
  }
  return found;
}

/** A host not published on 127.0.0.1 is reached through a published lab host on one of its networks. */
function checkReach(hosts: readonly InventoryHost[], planned: LabTopology['hosts'], problems: string[]): void {
  hosts.forEach((host, index) => {
    const plan = planned[index]!;
    const { connection } = host;
    if (connection.connection !== 'ssh') {
      problems.push(`${host.name}: ansible_connection is ${connection.connection}; lab hosts are reached over SSH`);
      return;
    }
    if (plan.sshPort !== null) {
      if (connection.proxyJump) problems.push(`${host.name}: reached on 127.0.0.1 and through ${connection.proxyJump}; pick one`);
      return;
    }
    const jump = connection.proxyJump ? JUMP.exec(connection.proxyJump) : null;
    if (!jump) {
      problems.push(
        `${host.name}: ansible_host is ${connection.address}; lab hosts are reached on 127.0.0.1, or at a lab address through a lab bastion (ansible_ssh_common_args: -o ProxyJump=root@127.0.0.1:PORT)`,
      );
      return;
    }
    const target = plan.addresses.find((a) => a.ip === connection.address);
    if (!target) problems.push(`${host.name}: ansible_host ${connection.address} is none of its lab addresses (${plan.addresses.map((a) => a.ip).join(', ')})`);
    if (connection.port !== 22) problems.push(`${host.name}: ansible_port ${connection.port}; behind a bastion sshd listens on 22`);
    const bastion = planned.find((b) => b.sshPort === Number(jump[2]));
    if (!bastion) {
      problems.push(`${host.name}: ProxyJump port ${jump[2]} is no published lab host's ansible_port`);
    } else if (target && !bastion.addresses.some((a) => a.network === target.network)) {
      problems.push(`${host.name}: its bastion ${bastion.name} is not on lab network ${target.network}, so it cannot reach ${target.ip}`);
    }
  });
}
