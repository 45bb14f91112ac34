import { request as httpRequest } from 'node:http';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { MeshbookError, Secret, redact } from '@meshbook/engine';
import type { Transport } from '@meshbook/engine';
import type { KubeCredentials } from './kubeconfig.js';

/** A Kubernetes `Status` (the body of every API error). */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: Array<{ field?: string; message?: string; reason?: string }> };
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

/** Where a kind lives in the API (from discovery): its resource name and whether it is namespaced. */
export interface KubeResourceInfo {
  plural: string;
  namespaced: boolean;
}

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  /** JSON-serialised with Secrets revealed (the body never reaches an output path). */
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

/**
 * A minimal Kubernetes API client that reaches the API through a TCP forward from the host
 * (Transport.openTcp): TLS and the user's credentials end here, on the controller, so the API can
 * listen on an address only the host reaches and no kubectl is needed there. One connection per
 * request: requests are few (discovery, a get, a dry run, an apply).
 */
export class KubeApi {
  readonly #resources = new Map<string, Promise<KubeResourceInfo | null>>();

  constructor(
    private readonly transport: Transport,
    readonly credentials: KubeCredentials,
    private readonly signal?: AbortSignal,
  ) {
    if (!transport.openTcp) {
      throw new MeshbookError('MODULE_FAILED', `the ${transport.kind} transport of ${transport.host} cannot open TCP connections from the host`, {
        host: transport.host,
        hint: 'Kubernetes modules need an SSH (or local) transport',
      });
    }
  }

  get host(): string {
    return this.transport.host;
  }

  async request<T = unknown>(req: KubeRequest): Promise<KubeResponse<T>> {
    const { server } = this.credentials;
    const socket = await this.#connect(req.timeoutMs ?? 30_000);
    const query = Object.entries(req.query ?? {}).filter(([, v]) => v !== undefined) as [string, string][];
    const base = new URL(server.url).pathname.replace(/\/$/, '');
    const path = `${base}${req.path}${query.length ? `?${new URLSearchParams(query).toString()}` : ''}`;
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(revealSecrets(req.body)));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'meshbook', connection: 'close' };
    if (body) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(body.length);
    }
    if (this.credentials.token) headers['authorization'] = `Bearer ${this.credentials.token.reveal()}`;
    return new Promise<KubeResponse<T>>((resolve, reject) => {
      const fail = (error: Error) => {
        socket.destroy();
        reject(error instanceof MeshbookError ? error : this.#unreachable(error.message));
      };
      const timer = setTimeout(() => fail(new MeshbookError('TIMEOUT', `${req.method} ${req.path} on ${server.url} (through ${this.host}) timed out`, { host: this.host })), req.timeoutMs ?? 30_000);
      const http = httpRequest(
        { method: req.method, path, headers, host: server.host, port: server.port, createConnection: () => socket },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () => {
            clearTimeout(timer);
            socket.destroy();
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // a non-JSON body (a proxy's error page) is kept as text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T });
          });
        },
      );
      http.on('error', (e) => {
        clearTimeout(timer);
        fail(e);
      });
      http.end(body);
    });
  }

  /** A successful response's body, or an error that says what the API answered (its Status message). */
  async expect<T>(req: KubeRequest, ok: (status: number) => boolean = (s) => s >= 200 && s < 300): Promise<KubeResponse<T>> {
    const res = await this.request<T>(req);
    if (!ok(res.status)) throw apiError(this.host, req, res as KubeResponse<unknown>);
    return res;
  }

  /** The resource of `apiVersion`/`kind` from discovery; null when the API server does not serve that kind. */
  resourceFor(apiVersion: string, kind: string): Promise<KubeResourceInfo | null> {
    const key = `${apiVersion}/${kind}`;
    let found = this.#resources.get(key);
    if (!found) {
      found = this.#discover(apiVersion, kind);
      this.#resources.set(key, found);
    }
    return found;
  }

  async #discover(apiVersion: string, kind: string): Promise<KubeResourceInfo | null> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await this.request<{ resources?: Array<{ name: string; kind: string; namespaced: boolean }> }>({ method: 'GET', path });
    if (res.status === 404) return null;
    if (res.status !== 200) throw apiError(this.host, { method: 'GET', path }, res as KubeResponse<unknown>);
    const resource = res.body.resources?.find((r) => r.kind === kind && !r.name.includes('/'));
    return resource ? { plural: resource.name, namespaced: resource.namespaced } : null;
  }

  async #connect(timeoutMs: number): Promise<TLSSocket> {
    const { server, ca, clientCertificate, clientKey, insecureSkipTlsVerify } = this.credentials;
    let raw;
    try {
      raw = await this.transport.openTcp!(server.host, server.port, { signal: this.signal, timeoutMs });
    } catch (error) {
      if (error instanceof MeshbookError) {
        throw new MeshbookError('UNREACHABLE', `the Kubernetes API ${server.url} (kubeconfig ${this.credentials.path}) is unreachable from ${this.host}: ${error.message}`, {
          host: this.host,
          hint: 'check that the API server runs and listens on the kubeconfig\'s server address, as seen from this host',
          cause: error,
        });
      }
      throw error;
    }
    return new Promise<TLSSocket>((resolve, reject) => {
      const socket = tlsConnect({
        socket: raw,
        host: server.host,
        ...(isIP(server.host) ? {} : { servername: server.host }),
        ca,
        cert: clientCertificate,
        key: clientKey?.reveal(),
        rejectUnauthorized: !insecureSkipTlsVerify,
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(this.#unreachable('TLS handshake timed out'));
      }, timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(this.#unreachable(`TLS: ${error.message}`));
      });
    });
  }

  #unreachable(why: string): MeshbookError {
    const { server, path } = this.credentials;
    return new MeshbookError('UNREACHABLE', `the Kubernetes API ${server.url} (kubeconfig ${path}) is unreachable from ${this.host}: ${redact(why)}`, {
      host: this.host,
      hint: 'check that the API server runs, and that the kubeconfig\'s CA and client certificate belong to this cluster',
    });
  }
}

/** The body with each Secret's text in place (JSON.stringify would print ***): it goes into the request only. */
export function revealSecrets(value: unknown): unknown {
  if (value instanceof Secret) return value.reveal();
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)]));
  return value;
}

/** An API error as the user needs it: the verb, the object, the API's own message, and a hint. */
export function apiError(host: string, req: Pick<KubeRequest, 'method' | 'path'>, res: KubeResponse<unknown>): MeshbookError {
  const status = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as KubeStatus;
  const message = status.message ?? (typeof res.body === 'string' ? res.body.slice(0, 300) : `HTTP ${res.status}`);
  const hints: Record<number, string> = {
    401: 'the kubeconfig\'s credentials are not accepted by this cluster (expired, or from another cluster)',
    403: 'the kubeconfig\'s user lacks the RBAC permission for this',
    409: status.reason === 'Conflict' && /conflict/i.test(message) ? 'another field manager owns these fields: set forceConflicts to take them over' : 'the object changed or exists already',
    422: 'fix the object\'s fields the API names',
  };
  return new MeshbookError('MODULE_FAILED', `${req.method} ${req.path}: ${res.status} ${status.reason ?? ''}: ${message}`.replace(/  +/g, ' '), {
    host,
    hint: hints[res.status],
  });
}
