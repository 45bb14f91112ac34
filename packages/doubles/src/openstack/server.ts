// The OpenStack double's HTTP server: Keystone under /identity, Nova under /compute, Neutron under
// /network (devstack's layout), on one address. Every request but authentication needs a token.
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError, readJson, sendJson } from './http.js';
import { TokenStore, authenticate, identityVersion, identityVersions, requireToken } from './keystone.js';
import type { Endpoints } from './keystone.js';
import { handleCompute } from './nova.js';
import { handleNetwork } from './neutron.js';
import { StateFile } from './state.js';
import type { OpenStackState } from './state.js';

export interface OpenStackDoubleOptions {
  /** Where openstack.json is kept. */
  stateDir: string;
  /** The state of a fresh double (used only when stateDir has none). */
  initial: () => OpenStackState;
  host?: string;
  /** 0: any free port. */
  port?: number;
}

export interface RunningOpenStackDouble {
  /** The Keystone URL a clouds.yaml's auth_url names: http://127.0.0.1:PORT/identity/v3 */
  authUrl: string;
  endpoints: Endpoints;
  stateFile: string;
  close(): Promise<void>;
}

export async function startOpenStackDouble(options: OpenStackDoubleOptions): Promise<RunningOpenStackDouble> {
  const store = new StateFile(options.stateDir, options.initial);
  const tokens = new TokenStore();
  let endpoints: Endpoints = { identity: '', compute: '', network: '' };
  const server: HttpServer = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://double');
      const method = req.method ?? 'GET';
      const [, service = '', ...rest] = url.pathname.split('/');
      const path = rest.length > 0 ? `/${rest.join('/')}`.replace(/\/$/, '') : '';
      try {
        if (service === 'identity') {
          if (method === 'GET' && path === '') return sendJson(res, 300, identityVersions(endpoints));
          if (method === 'GET' && path === '/v3') return sendJson(res, 200, identityVersion(endpoints));
          if (method === 'POST' && path === '/v3/auth/tokens') {
            const { token, body } = authenticate(await readJson(req), store.state, tokens, endpoints);
            return sendJson(res, 201, body, { 'X-Subject-Token': token });
          }
          throw new HttpError(404, { error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' } });
        }
        if (service === 'compute') {
          const computePath = path.replace(/^\/v2\.1/, '');
          if (path !== '' && path !== '/v2.1') requireToken(req, tokens);
          const result = handleCompute(method, computePath, url.searchParams, store.state, endpoints);
          return sendJson(res, result.status, result.body);
        }
        if (service === 'network') {
          if (path !== '') requireToken(req, tokens);
          const body = method === 'PUT' || method === 'POST' ? await readJson(req) : undefined;
          const result = handleNetwork(method, path, url.searchParams, body, store.state, endpoints, req.headers['if-match'] as string | undefined);
          if (result.changed) store.save();
          return sendJson(res, result.status, result.body);
        }
        throw new HttpError(404, { error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' } });
      } catch (error) {
        if (error instanceof HttpError) return sendJson(res, error.status, error.body);
        sendJson(res, 500, { error: { code: 500, title: 'Internal Server Error', message: (error as Error).message } });
      }
    })();
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://${host}:${port}`;
  endpoints = { identity: `${base}/identity`, compute: `${base}/compute`, network: `${base}/network` };
  return {
    authUrl: `${endpoints.identity}/v3`,
    endpoints,
    stateFile: store.path,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
