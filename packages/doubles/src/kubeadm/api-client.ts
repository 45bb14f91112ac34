import { request } from 'node:https';
import type { ClientCredentials } from '../pki/kubeconfig.js';

/** A non-2xx answer of the API server, with the `Status` it sent when it sent one. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
  }
}

export interface ApiClientOptions extends Partial<ClientCredentials> {
  server: string;
  /** Skip verifying the server (kubeadm's discovery does this once, then pins the CA by hash). */
  insecure?: boolean;
  timeoutMs?: number;
}

/** The few REST calls kubeadm and the kubelet make, over TLS with the kubeconfig's credentials. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get server(): string {
    return this.options.server;
  }

  async get<T = Record<string, unknown>>(path: string): Promise<T> {
    return (await this.request('GET', path)) as T;
  }

  async create(path: string, body: unknown): Promise<Record<string, unknown>> {
    return (await this.request('POST', path, body)) as Record<string, unknown>;
  }

  /** POST, or when the object exists, PUT over it (kubeadm's CreateOrUpdate). */
  async createOrUpdate(collectionPath: string, body: { metadata: { name: string; namespace?: string } & Record<string, unknown> } & Record<string, unknown>): Promise<void> {
    try {
      await this.create(collectionPath, body);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 409) throw error;
      const itemPath = `${collectionPath}/${encodeURIComponent(body.metadata.name)}`;
      const current = await this.get<{ metadata: { resourceVersion?: string } }>(itemPath);
      await this.request('PUT', itemPath, { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion } });
    }
  }

  async mergePatch(path: string, patch: unknown): Promise<Record<string, unknown>> {
    return (await this.request('PATCH', path, patch, 'application/merge-patch+json')) as Record<string, unknown>;
  }

  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const url = new URL(path, this.options.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'kubeadm/v1.31.9 (linux/amd64) kubernetes/double' };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          headers,
          ca: this.options.insecure ? undefined : this.options.caCert,
          rejectUnauthorized: !this.options.insecure,
          cert: this.options.clientCert,
          key: this.options.clientKey,
          timeout: this.options.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : {};
            } catch {
              // a non-JSON body (e.g. /healthz "ok") is returned as text
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(parsed);
            const s = (typeof parsed === 'object' && parsed ? parsed : {}) as { reason?: string; message?: string };
            reject(new ApiError(status, s.reason ?? '', s.message ?? `${method} ${url.pathname}: HTTP ${status} ${typeof parsed === 'string' ? parsed.trim() : ''}`.trim()));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.href}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
