// Nova, as much as `openstack port list --server X` needs: version discovery and finding a server
// by id or by name (Nova's name filter is a regular expression; the client then keeps exact matches).
import { HttpError } from './http.js';
import type { Endpoints } from './keystone.js';
import type { OpenStackState, Server } from './state.js';

export function computeVersion(endpoints: Endpoints): unknown {
  return {
    version: {
      id: 'v2.1',
      status: 'CURRENT',
      version: '2.79',
      min_version: '2.1',
      updated: '2013-07-23T11:33:21Z',
      links: [{ rel: 'self', href: `${endpoints.compute}/v2.1/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    },
  };
}

function serverBody(server: Server, state: OpenStackState, endpoints: Endpoints, detail: boolean): Record<string, unknown> {
  const links = [{ rel: 'self', href: `${endpoints.compute}/v2.1/servers/${server.id}` }];
  if (!detail) return { id: server.id, name: server.name, links };
  const addresses: Record<string, { version: number; addr: string; 'OS-EXT-IPS:type': string; 'OS-EXT-IPS-MAC:mac_addr': string }[]> = {};
  for (const port of state.ports.filter((p) => p.device_id === server.id)) {
    const network = state.networks.find((n) => n.id === port.network_id);
    const list = (addresses[network?.name ?? port.network_id] ??= []);
    for (const ip of port.fixed_ips) list.push({ version: ip.ip_address.includes(':') ? 6 : 4, addr: ip.ip_address, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': port.mac_address });
  }
  return {
    id: server.id,
    name: server.name,
    status: 'ACTIVE',
    tenant_id: state.projectId,
    user_id: state.userId,
    metadata: {},
    hostId: '',
    image: '',
    flavor: { vcpus: 2, ram: 4096, disk: 40, ephemeral: 0, swap: 0, original_name: 'm1.medium', extra_specs: {} },
    created: server.created,
    updated: server.created,
    addresses,
    accessIPv4: '',
    accessIPv6: '',
    links,
    'OS-DCF:diskConfig': 'MANUAL',
    progress: 0,
    'OS-EXT-AZ:availability_zone': 'nova',
    config_drive: '',
    key_name: null,
    'OS-SRV-USG:launched_at': server.created,
    'OS-SRV-USG:terminated_at': null,
    'OS-EXT-STS:task_state': null,
    'OS-EXT-STS:vm_state': 'active',
    'OS-EXT-STS:power_state': 1,
    'os-extended-volumes:volumes_attached': [],
    locked: false,
    description: null,
    tags: [],
    trusted_image_certificates: null,
    server_groups: [],
    security_groups: [{ name: 'default' }],
  };
}

export function handleCompute(method: string, path: string, query: URLSearchParams, state: OpenStackState, endpoints: Endpoints): { status: number; body: unknown } {
  if (method !== 'GET') throw new HttpError(405, { error: { code: 405, message: 'The method is not supported by this double.' } });
  if (path === '' || path === '/') return { status: 200, body: computeVersion(endpoints) };
  if (path === '/servers' || path === '/servers/detail') {
    let servers = state.servers;
    const name = query.get('name');
    if (name !== null) {
      let pattern: RegExp;
      try {
        pattern = new RegExp(name);
      } catch {
        pattern = new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      }
      servers = servers.filter((s) => pattern.test(s.name));
    }
    const id = query.get('uuid');
    if (id !== null) servers = servers.filter((s) => s.id === id);
    return { status: 200, body: { servers: servers.map((s) => serverBody(s, state, endpoints, path === '/servers/detail')) } };
  }
  const match = /^\/servers\/([^/]+)$/.exec(path);
  if (match) {
    const id = decodeURIComponent(match[1]!);
    const server = state.servers.find((s) => s.id === id);
    if (!server) throw new HttpError(404, { itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } });
    return { status: 200, body: { server: serverBody(server, state, endpoints, true) } };
  }
  throw new HttpError(404, { itemNotFound: { code: 404, message: 'The resource could not be found.' } });
}
