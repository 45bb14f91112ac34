// A small OpenStack API client: Keystone v3 password authentication, the service catalog, and the
// Nova and Neutron calls allowing an address on a server's ports need. It connects only to the
// Keystone URL it is given and the endpoints that Keystone's catalog names.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { MeshbookError, Secret } from '@meshbook/engine';
import type { CloudCredentials } from './credentials.js';

export interface AllowedAddressPair {
  ip_address: string;
  mac_address?: string;
}

export interface NeutronPort {
  id: string;
  network_id: string;
  device_id: string;
  mac_address: string;
  fixed_ips: { ip_address: string; subnet_id: string }[];
  allowed_address_pairs: AllowedAddressPair[];
  port_security_enabled?: boolean;
  revision_number?: number;
}

export interface Session {
  token: Secret;
  computeUrl: string;
  networkUrl: string;
}

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

const REQUEST_TIMEOUT_MS = 30_000;

async function call(credentials: CloudCredentials, method: string, url: string, options: { token?: Secret; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  const target = new URL(url);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const ca = target.protocol === 'https:' && credentials.caFile ? readFileSync(credentials.caFile) : undefined;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) : AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return new Promise<Response>((resolve, reject) => {
    const req = send(
      target,
      {
        method,
        ca,
        signal,
        headers: {
          Accept: 'application/json',
          'User-Agent': 'meshbook-openstack',
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
          ...(options.token ? { 'X-Auth-Token': options.token.reveal() } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            // Not JSON (a proxy's error page): kept as text for the error message.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (error) =>
      reject(
        new MeshbookError('UNREACHABLE', `openstackAllowedAddress: ${method} ${target.origin}${target.pathname} failed: ${error.message}`, {
          hint: `check that ${credentials.fields.authUrl} (${credentials.authUrl}) is right and reachable from the controller`,
        }),
      ),
    );
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The message of an OpenStack error body: Keystone's `error`, Neutron's `NeutronError`, Nova's `itemNotFound`/`badRequest`. */
export function errorMessage(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 200);
  if (body && typeof body === 'object') {
    for (const value of Object.values(body as Record<string, unknown>)) {
      if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') return (value as { message: string }).message;
    }
  }
  return 'no message';
}

function failed(what: string, response: Response): MeshbookError {
  return new MeshbookError('MODULE_FAILED', `openstackAllowedAddress: ${what}: HTTP ${response.status}: ${errorMessage(response.body)}`);
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

function endpointOf(catalog: CatalogEntry[], type: string, credentials: CloudCredentials): string {
  const service = catalog.find((s) => s.type === type);
  const endpoint = service?.endpoints.find(
    (e) => e.interface === credentials.interface && (credentials.regionName === undefined || e.region_id === credentials.regionName || e.region === credentials.regionName),
  );
  if (!endpoint) {
    throw new MeshbookError('MODULE_FAILED', `openstackAllowedAddress: Keystone's catalog has no ${credentials.interface} ${type} endpoint${credentials.regionName ? ` in region ${credentials.regionName}` : ''}`, {
      hint: `check the region and interface of ${credentials.source}`,
    });
  }
  return endpoint.url.replace(/\/$/, '');
}

/** POST /v3/auth/tokens with the password, scoped to the project; the token comes back in X-Subject-Token. */
export async function authenticate(credentials: CloudCredentials, signal?: AbortSignal): Promise<Session> {
  const base = credentials.authUrl.replace(/\/$/, '');
  const url = /\/v3$/.test(base) ? `${base}/auth/tokens` : `${base}/v3/auth/tokens`;
  const project = credentials.projectId ? { id: credentials.projectId } : { name: credentials.projectName, domain: { name: credentials.projectDomainName } };
  const response = await call(credentials, 'POST', url, {
    signal,
    body: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: credentials.username, domain: { name: credentials.userDomainName }, password: credentials.password.reveal() } } },
        scope: { project },
      },
    },
  });
  if (response.status === 401) {
    throw new MeshbookError(
      'AUTH_FAILED',
      `openstackAllowedAddress: Keystone at ${credentials.authUrl} refused the password of user "${credentials.username}" for project "${credentials.projectName ?? credentials.projectId}" (HTTP 401: ${errorMessage(response.body)}); the account is from ${credentials.source}`,
      { hint: `fix ${credentials.fields.password} (or ${credentials.fields.username} / ${credentials.fields.project} if the user or project is wrong)` },
    );
  }
  if (response.status !== 201 && response.status !== 200) throw failed(`authenticating at ${credentials.authUrl}`, response);
  const header = response.headers['x-subject-token'];
  const token = Array.isArray(header) ? header[0] : header;
  if (!token) throw new MeshbookError('MODULE_FAILED', `openstackAllowedAddress: Keystone at ${credentials.authUrl} answered without an X-Subject-Token`);
  const catalog = ((response.body as { token?: { catalog?: CatalogEntry[] } }).token?.catalog ?? []) as CatalogEntry[];
  const session = { token: new Secret(token), computeUrl: endpointOf(catalog, 'compute', credentials), networkUrl: endpointOf(catalog, 'network', credentials) };
  return session;
}

async function getJson<T>(credentials: CloudCredentials, session: Session, url: string, what: string, signal?: AbortSignal): Promise<T | undefined> {
  const response = await call(credentials, 'GET', url, { token: session.token, signal });
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw failed(what, response);
  return response.body as T;
}

/** A server by id, else by exact name (Nova's name filter is a regular expression: anchored and escaped here). */
export async function findServer(credentials: CloudCredentials, session: Session, nameOrId: string, signal?: AbortSignal): Promise<{ id: string; name: string }> {
  const byId = await getJson<{ server: { id: string; name: string } }>(credentials, session, `${session.computeUrl}/servers/${encodeURIComponent(nameOrId)}`, `reading server ${nameOrId}`, signal);
  if (byId) return { id: byId.server.id, name: byId.server.name };
  const pattern = `^${nameOrId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  const list = await getJson<{ servers: { id: string; name: string }[] }>(credentials, session, `${session.computeUrl}/servers?name=${encodeURIComponent(pattern)}`, `listing servers named ${nameOrId}`, signal);
  const found = (list?.servers ?? []).filter((s) => s.name === nameOrId);
  if (found.length === 0) {
    throw new MeshbookError('BAD_INPUT', `openstackAllowedAddress: no server "${nameOrId}" in project "${credentials.projectName ?? credentials.projectId}" (${credentials.source})`, {
      hint: 'set server to the Nova server name (the seed names them k8s-cluster<N>-node-<index>) or id',
    });
  }
  if (found.length > 1) {
    throw new MeshbookError('BAD_INPUT', `openstackAllowedAddress: ${found.length} servers are named "${nameOrId}" (${found.map((s) => s.id).join(', ')})`, {
      hint: 'set server to the id of the one meant',
    });
  }
  return found[0]!;
}

export async function findNetwork(credentials: CloudCredentials, session: Session, nameOrId: string, signal?: AbortSignal): Promise<{ id: string; name: string }> {
  const byId = await getJson<{ network: { id: string; name: string } }>(credentials, session, `${session.networkUrl}/v2.0/networks/${encodeURIComponent(nameOrId)}`, `reading network ${nameOrId}`, signal);
  if (byId) return byId.network;
  const list = await getJson<{ networks: { id: string; name: string }[] }>(credentials, session, `${session.networkUrl}/v2.0/networks?name=${encodeURIComponent(nameOrId)}`, `listing networks named ${nameOrId}`, signal);
  const found = list?.networks ?? [];
  if (found.length !== 1) {
    throw new MeshbookError('BAD_INPUT', `openstackAllowedAddress: ${found.length === 0 ? 'no' : found.length} network${found.length === 1 ? '' : 's'} named "${nameOrId}" in ${credentials.source}`, {
      hint: 'set network (the inventory\'s openstack_network) to the Neutron network name or id the nodes are on',
    });
  }
  return found[0]!;
}

export async function listPorts(credentials: CloudCredentials, session: Session, filter: { deviceId: string; networkId?: string }, signal?: AbortSignal): Promise<NeutronPort[]> {
  const query = new URLSearchParams({ device_id: filter.deviceId });
  if (filter.networkId) query.set('network_id', filter.networkId);
  const list = await getJson<{ ports: NeutronPort[] }>(credentials, session, `${session.networkUrl}/v2.0/ports?${query}`, `listing the ports of server ${filter.deviceId}`, signal);
  return list?.ports ?? [];
}

/**
 * Replaces the port's allowed address pairs (Neutron takes the list as a whole), only if the port
 * is still at the revision it was read at: a pair added meanwhile by someone else is not lost.
 */
export async function setAllowedAddressPairs(credentials: CloudCredentials, session: Session, portId: string, pairs: AllowedAddressPair[], revision: number | undefined, signal?: AbortSignal): Promise<void> {
  const response = await call(credentials, 'PUT', `${session.networkUrl}/v2.0/ports/${encodeURIComponent(portId)}`, {
    token: session.token,
    signal,
    body: { port: { allowed_address_pairs: pairs } },
    headers: revision === undefined ? {} : { 'If-Match': `revision_number=${revision}` },
  });
  if (response.status === 412) {
    throw new MeshbookError('MODULE_FAILED', `openstackAllowedAddress: port ${portId} changed between reading and writing it (${errorMessage(response.body)})`, {
      hint: 'run again: the task reads the port anew and keeps the pairs added meanwhile',
    });
  }
  if (response.status !== 200) throw failed(`updating port ${portId}`, response);
}
