// A small Kubernetes REST client: HTTPS with the kubeconfig's client certificate, JSON bodies,
// errors carried as the API's Status (code, reason, message) the way client-go reports them.
import { request } from 'node:https';
import type { ClusterAccess } from './kubeconfig.js';
import { describeTlsError } from '../clustermesh/mtls.js';

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; [k: string]: unknown };
  [key: string]: unknown;
};

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'AlreadyExists';
}

/** Where a kind lives in the REST API: `/api/v1` or `/apis/<group>/<version>`, and its plural. */
export interface Resource {
  base: string;
  plural: string;
  namespaced: boolean;
}

export const resources = {
  configmaps: { base: '/api/v1', plural: 'configmaps', namespaced: true },
  secrets: { base: '/api/v1', plural: 'secrets', namespaced: true },
  services: { base: '/api/v1', plural: 'services', namespaced: true },
  pods: { base: '/api/v1', plural: 'pods', namespaced: true },
  nodes: { base: '/api/v1', plural: 'nodes', namespaced: false },
  namespaces: { base: '/api/v1', plural: 'namespaces', namespaced: false },
  deployments: { base: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  daemonsets: { base: '/apis/apps/v1', plural: 'daemonsets', namespaced: true },
  endpointslices: { base: '/apis/discovery.k8s.io/v1', plural: 'endpointslices', namespaced: true },
  crds: { base: '/apis/apiextensions.k8s.io/v1', plural: 'customresourcedefinitions', namespaced: false },
  ciliumnodes: { base: '/apis/cilium.io/v2', plural: 'ciliumnodes', namespaced: false },
} satisfies Record<string, Resource>;

export class KubeClient {
  constructor(
    readonly access: ClusterAccess,
    private readonly timeoutMs = 15_000,
  ) {}

  path(res: Resource, namespace: string | undefined, name?: string, query?: Record<string, string>): string {
    let p = res.base;
    if (res.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${res.plural}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    const q = query ? new URLSearchParams(query).toString() : '';
    return q ? `${p}?${q}` : p;
  }

  get<T = KubeObject>(res: Resource, namespace: string | undefined, name: string): Promise<T> {
    return this.call('GET', this.path(res, namespace, name)) as Promise<T>;
  }
  async getOrUndefined<T = KubeObject>(res: Resource, namespace: string | undefined, name: string): Promise<T | undefined> {
    try {
      return await this.get<T>(res, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
  async list<T = KubeObject>(res: Resource, namespace: string | undefined, labelSelector?: string): Promise<T[]> {
    const out = (await this.call('GET', this.path(res, namespace, undefined, labelSelector ? { labelSelector } : undefined))) as { items?: T[] };
    return out.items ?? [];
  }
  create<T = KubeObject>(res: Resource, namespace: string | undefined, body: KubeObject): Promise<T> {
    return this.call('POST', this.path(res, namespace), body) as Promise<T>;
  }
  replace<T = KubeObject>(res: Resource, namespace: string | undefined, body: KubeObject): Promise<T> {
    return this.call('PUT', this.path(res, namespace, body.metadata.name), body) as Promise<T>;
  }
  mergePatch<T = KubeObject>(res: Resource, namespace: string | undefined, name: string, patch: unknown): Promise<T> {
    return this.call('PATCH', this.path(res, namespace, name), patch, 'application/merge-patch+json') as Promise<T>;
  }
  async delete(res: Resource, namespace: string | undefined, name: string): Promise<boolean> {
    try {
      await this.call('DELETE', this.path(res, namespace, name));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
  version(): Promise<{ gitVersion: string }> {
    return this.call('GET', '/version') as Promise<{ gitVersion: string }>;
  }

  call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const url = new URL(this.access.server + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolvePromise, reject) => {
      let req: ReturnType<typeof request>;
      try {
        req = request(
        {
          method,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || 443,
          path: url.pathname + url.search,
          cert: this.access.certPem,
          key: this.access.keyPem,
          ca: this.access.caPem,
          rejectUnauthorized: !this.access.insecureSkipTlsVerify,
          headers: {
            Accept: 'application/json',
            'User-Agent': 'cilium-cli/v0.16.22 (linux/amd64) meshbook-double',
            ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : {};
            } catch {
              parsed = undefined;
            }
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) return resolvePromise(parsed ?? {});
            const status = (parsed ?? {}) as { reason?: string; message?: string };
            reject(new ApiError(code, status.reason ?? '', status.message ?? (text.trim() || `the server responded with HTTP ${code}`)));
          });
        },
        );
      } catch (err) {
        // Node builds the TLS context before connecting: a broken PEM fails here.
        reject(new Error(`unable to load the client certificate, key or CA of kubeconfig context "${this.access.contextName}": ${(err as Error).message}`));
        return;
      }
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      // As client-go words it: `Get "<url>": dial tcp <addr>: connect: connection refused`.
      req.on('error', (err: NodeJS.ErrnoException) => {
        const verb = method.charAt(0) + method.slice(1).toLowerCase();
        reject(new Error(`${verb} "${url.href}": ${describeTlsError(err, url.host)}`));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}
