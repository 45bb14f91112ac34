// Keystone v3: version discovery and password authentication scoped to the one project, as
// keystoneauth1 (the openstack client's auth library) uses it.
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { HttpError } from './http.js';
import type { OpenStackState } from './state.js';
import { nowIso, randomToken, stableId } from './state.js';

export interface Endpoints {
  identity: string;
  compute: string;
  network: string;
}

const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

export function identityVersion(endpoints: Endpoints): unknown {
  return {
    version: {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${endpoints.identity}/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    },
  };
}

export function identityVersions(endpoints: Endpoints): unknown {
  return { versions: { values: [(identityVersion(endpoints) as { version: unknown }).version] } };
}

const unauthorized = () =>
  new HttpError(401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function nameOrId(value: unknown): { name?: string; id?: string } {
  const v = (value ?? {}) as { name?: unknown; id?: unknown };
  return { name: typeof v.name === 'string' ? v.name : undefined, id: typeof v.id === 'string' ? v.id : undefined };
}

/** Tokens live in memory: a restarted double asks its clients to authenticate again, as an expired token would. */
export class TokenStore {
  readonly #tokens = new Map<string, number>();

  issue(): { token: string; expires: number } {
    const token = randomToken();
    const expires = Date.now() + TOKEN_LIFETIME_MS;
    this.#tokens.set(token, expires);
    return { token, expires };
  }

  valid(token: string | undefined): boolean {
    if (!token) return false;
    const expires = this.#tokens.get(token);
    return expires !== undefined && expires > Date.now();
  }
}

/** POST /v3/auth/tokens: `{auth: {identity: {methods: [password], password: {user}}, scope: {project}}}`. */
export function authenticate(body: unknown, state: OpenStackState, tokens: TokenStore, endpoints: Endpoints): { token: string; body: unknown } {
  const auth = (body as { auth?: { identity?: { methods?: unknown; password?: { user?: Record<string, unknown> } }; scope?: { project?: Record<string, unknown> } } }).auth;
  const methods = auth?.identity?.methods;
  if (!Array.isArray(methods) || !methods.includes('password')) {
    throw new HttpError(400, { error: { code: 400, title: 'Bad Request', message: 'Expecting to find identity in auth.' } });
  }
  const user = auth?.identity?.password?.user ?? {};
  const account = state.account;
  const userDomain = nameOrId(user.domain);
  const userMatches =
    (user.id === state.userId || user.name === account.user) &&
    (user.id !== undefined || userDomain.name === account.userDomain || userDomain.id === account.userDomain.toLowerCase() || userDomain.id === 'default');
  if (!userMatches || typeof user.password !== 'string' || !same(user.password, account.password)) throw unauthorized();
  const project = auth?.scope?.project;
  if (project) {
    const projectDomain = nameOrId(project.domain);
    const matches =
      project.id === state.projectId ||
      (project.name === account.project && (projectDomain.name === account.projectDomain || projectDomain.id === account.projectDomain.toLowerCase() || projectDomain.id === 'default'));
    if (!matches) throw unauthorized();
  }
  const { token, expires } = tokens.issue();
  const domain = { id: 'default', name: 'Default' };
  const endpoint = (type: string, name: string, url: string) => ({
    id: stableId('service', type),
    type,
    name,
    endpoints: ['public', 'internal', 'admin'].map((iface) => ({
      id: stableId('endpoint', type, iface),
      interface: iface,
      region: state.region,
      region_id: state.region,
      url,
    })),
  });
  return {
    token,
    body: {
      token: {
        methods: ['password'],
        user: { domain, id: state.userId, name: account.user, password_expires_at: null },
        audit_ids: [stableId('audit', token).slice(0, 22)],
        expires_at: new Date(expires).toISOString().replace(/Z$/, '000Z'),
        issued_at: `${nowIso().replace(/Z$/, '')}.000000Z`,
        project: { domain, id: state.projectId, name: account.project },
        is_domain: false,
        roles: [{ id: stableId('role', 'member').replace(/-/g, ''), name: 'member' }, { id: stableId('role', 'reader').replace(/-/g, ''), name: 'reader' }],
        catalog: [
          endpoint('identity', 'keystone', endpoints.identity),
          endpoint('compute', 'nova', `${endpoints.compute}/v2.1`),
          endpoint('network', 'neutron', endpoints.network),
        ],
      },
    },
  };
}

export function requireToken(req: IncomingMessage, tokens: TokenStore): void {
  const token = req.headers['x-auth-token'];
  if (!tokens.valid(Array.isArray(token) ? token[0] : token)) throw unauthorized();
}
