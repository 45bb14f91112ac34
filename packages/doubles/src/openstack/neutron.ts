// Neutron, as much as allowing an address on a port needs: version discovery, networks, and ports
// listed with Neutron's query filters, shown, and updated (`allowed_address_pairs`, which Neutron
// replaces as a whole and completes with the port's MAC address).
import { HttpError } from './http.js';
import type { Endpoints } from './keystone.js';
import type { AllowedAddressPair, Network, OpenStackState, Port } from './state.js';
import { nowIso } from './state.js';

const notFound = (type: string, message: string) => new HttpError(404, { NeutronError: { type, message, detail: '' } });
const badRequest = (message: string) => new HttpError(400, { NeutronError: { type: 'HTTPBadRequest', message, detail: '' } });

const EXTENSIONS = ['allowed-address-pairs', 'port-security', 'binding', 'security-group', 'standard-attr-revisions', 'standard-attr-timestamp', 'project-id'];

export function networkVersions(endpoints: Endpoints): unknown {
  return { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${endpoints.network}/v2.0/`, rel: 'self' }] }] };
}

function portBody(port: Port, state: OpenStackState): Record<string, unknown> {
  return {
    id: port.id,
    name: port.name,
    network_id: port.network_id,
    tenant_id: state.projectId,
    project_id: state.projectId,
    mac_address: port.mac_address,
    admin_state_up: true,
    status: 'ACTIVE',
    device_id: port.device_id,
    device_owner: port.device_owner,
    fixed_ips: port.fixed_ips,
    allowed_address_pairs: port.allowed_address_pairs,
    extra_dhcp_opts: [],
    security_groups: [],
    description: '',
    'binding:vnic_type': 'normal',
    port_security_enabled: port.port_security_enabled,
    tags: [],
    created_at: port.created_at,
    updated_at: port.updated_at,
    revision_number: port.revision_number,
  };
}

function networkBody(network: Network, state: OpenStackState): Record<string, unknown> {
  return {
    id: network.id,
    name: network.name,
    tenant_id: state.projectId,
    project_id: state.projectId,
    admin_state_up: true,
    status: 'ACTIVE',
    subnets: [network.subnet_id],
    shared: false,
    'router:external': false,
    mtu: 1500,
    port_security_enabled: true,
    description: '',
    tags: [],
    availability_zones: ['nova'],
    revision_number: 1,
  };
}

/** Neutron's list filters: `key=value` (repeated keys: any of), `fixed_ips=ip_address=A`, `fields=` ignored. */
function matches(body: Record<string, unknown>, query: URLSearchParams): boolean {
  for (const key of new Set(query.keys())) {
    if (key === 'fields' || key === 'limit' || key === 'marker' || key === 'sort_key' || key === 'sort_dir') continue;
    const wanted = query.getAll(key);
    if (key === 'fixed_ips') {
      const ips = (body.fixed_ips as { ip_address: string; subnet_id: string }[]) ?? [];
      const ok = wanted.every((w) => {
        const [field, value] = w.split('=', 2) as [string, string | undefined];
        return ips.some((ip) => (field === 'ip_address' ? ip.ip_address === value : field === 'subnet_id' ? ip.subnet_id === value : false));
      });
      if (!ok) return false;
      continue;
    }
    if (!(key in body)) return false;
    if (!wanted.some((w) => String(body[key]) === w)) return false;
  }
  return true;
}

function parsePairs(value: unknown, port: Port): AllowedAddressPair[] {
  if (!Array.isArray(value)) throw badRequest("Invalid input for allowed_address_pairs. Reason: Allowed address pairs must be a list.");
  const pairs = value.map((pair) => {
    const p = pair as { ip_address?: unknown; mac_address?: unknown };
    if (typeof p.ip_address !== 'string' || !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(p.ip_address)) {
      throw badRequest(`Invalid input for allowed_address_pairs. Reason: '${String(p.ip_address)}' is not a valid IP address.`);
    }
    return { ip_address: p.ip_address, mac_address: typeof p.mac_address === 'string' ? p.mac_address : port.mac_address };
  });
  // Neutron keeps pairs unique per port (a database constraint): the same address given twice,
  // e.g. by `openstack port set --allowed-address` for an address already allowed, is refused.
  const seen = new Set<string>();
  for (const pair of pairs) {
    const key = `${pair.mac_address}|${pair.ip_address}`;
    if (seen.has(key)) throw badRequest(`Request contains duplicate address pair: mac_address ${pair.mac_address} ip_address ${pair.ip_address}.`);
    seen.add(key);
  }
  return pairs;
}

/** `If-Match: revision_number=N`: Neutron's compare-and-swap on a resource's revision. */
function checkRevision(ifMatch: string | undefined, port: Port): void {
  if (!ifMatch) return;
  const m = /^revision_number=(\d+)$/.exec(ifMatch.trim());
  if (!m) throw badRequest(`Invalid If-Match header: ${ifMatch}`);
  if (Number(m[1]) !== port.revision_number) {
    throw new HttpError(412, { NeutronError: { type: 'RevisionNumberConstraintFailed', message: `Constrained to ${m[1]}, but current revision is ${port.revision_number}`, detail: '' } });
  }
}

export function handleNetwork(method: string, path: string, query: URLSearchParams, body: unknown, state: OpenStackState, endpoints: Endpoints, ifMatch?: string): { status: number; body: unknown; changed?: boolean } {
  if (path === '' || path === '/') return { status: 200, body: networkVersions(endpoints) };
  if (method === 'GET' && path === '/v2.0/extensions') {
    return { status: 200, body: { extensions: EXTENSIONS.map((alias) => ({ alias, name: alias, description: '', links: [], updated: '2013-01-01T00:00:00-00:00' })) } };
  }
  if (method === 'GET' && path === '/v2.0/networks') {
    return { status: 200, body: { networks: state.networks.map((n) => networkBody(n, state)).filter((n) => matches(n, query)) } };
  }
  let match = /^\/v2\.0\/networks\/([^/]+)$/.exec(path);
  if (method === 'GET' && match) {
    const network = state.networks.find((n) => n.id === decodeURIComponent(match![1]!));
    if (!network) throw notFound('NetworkNotFound', `Network ${decodeURIComponent(match[1]!)} could not be found.`);
    return { status: 200, body: { network: networkBody(network, state) } };
  }
  if (method === 'GET' && path === '/v2.0/ports') {
    return { status: 200, body: { ports: state.ports.map((p) => portBody(p, state)).filter((p) => matches(p, query)) } };
  }
  match = /^\/v2\.0\/ports\/([^/]+)$/.exec(path);
  if (match) {
    const id = decodeURIComponent(match[1]!);
    const port = state.ports.find((p) => p.id === id);
    if (!port) throw notFound('PortNotFound', `Port ${id} could not be found.`);
    if (method === 'GET') return { status: 200, body: { port: portBody(port, state) } };
    if (method === 'PUT') {
      const update = (body as { port?: Record<string, unknown> }).port;
      if (!update || typeof update !== 'object') throw badRequest('Resource body required');
      checkRevision(ifMatch, port);
      // Validated as a whole on a copy first: a refused update leaves the port as it was.
      const next: Port = { ...port };
      for (const [key, value] of Object.entries(update)) {
        if (key === 'allowed_address_pairs') next.allowed_address_pairs = parsePairs(value, port);
        else if (key === 'name' && typeof value === 'string') next.name = value;
        else if (key === 'port_security_enabled' && typeof value === 'boolean') next.port_security_enabled = value;
        else throw badRequest(`Unrecognized attribute(s) '${key}'`);
      }
      if (!next.port_security_enabled && next.allowed_address_pairs.length > 0) {
        throw new HttpError(409, { NeutronError: { type: 'AddressPairAndPortSecurityRequired', message: 'Port Security must be enabled in order to have allowed address pairs on a port.', detail: '' } });
      }
      const changed = Object.keys(update).length > 0;
      Object.assign(port, next);
      if (changed) {
        port.revision_number += 1;
        port.updated_at = nowIso();
      }
      return { status: 200, body: { port: portBody(port, state) }, changed };
    }
  }
  throw notFound('HTTPNotFound', 'The resource could not be found.');
}
