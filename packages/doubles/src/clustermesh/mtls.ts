// Mutual TLS between clusters, as the clustermesh-apiserver and the agents speak it: the server
// presents a certificate signed by its cluster's cilium CA and accepts only clients whose
// certificate chains to that same CA; the client trusts only its own cluster's cilium CA. So two
// clusters talk only when they share the CA (or were told each other's CA: --allow-mismatching-ca).
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  /** The CA(s) this side trusts for the other side's certificate. */
  caPem: string;
}

export interface PeerRequest {
  host: string;
  port: number;
  /** The name checked against the server certificate (`<cluster>.mesh.cilium.io`). */
  servername: string;
  path: string;
  tls: TlsMaterial;
  timeoutMs?: number;
}

export type PeerResult<T> = { ok: true; body: T } | { ok: false; error: string };

/** Why a handshake failed, in the words an operator would search for. */
export function describeTlsError(err: NodeJS.ErrnoException & { reason?: string }, peer: string): string {
  const code = err.code ?? '';
  switch (code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return `tls: failed to verify certificate of ${peer}: x509: certificate signed by unknown authority`;
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      return `remote error: tls: ${peer} refused our client certificate (${err.reason ?? code}): it does not chain to ${peer}'s cilium CA`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate of ${peer}: x509: certificate is not valid for the requested name`;
    case 'CERT_HAS_EXPIRED':
      return `tls: failed to verify certificate of ${peer}: x509: certificate has expired or is not yet valid`;
    case 'ECONNREFUSED':
      return `dial tcp ${peer}: connect: connection refused`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `dial tcp ${peer}: connect: no route to host`;
    case 'ETIMEDOUT':
      return `dial tcp ${peer}: i/o timeout`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${peer.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')}: no such host`;
    case 'ECONNRESET':
      return `read tcp ${peer}: connection reset by peer (the peer closed the TLS handshake: our client certificate is likely not signed by its CA)`;
    default:
      return `${peer}: ${err.message}`;
  }
}

/** One HTTPS request over mutual TLS; resolves with the JSON body or the reason it failed. */
export function peerGet<T>(req: PeerRequest): Promise<PeerResult<T>> {
  const peer = `${req.host.includes(':') ? `[${req.host}]` : req.host}:${req.port}`;
  return new Promise((resolvePromise) => {
    let settled = false;
    const done = (r: PeerResult<T>) => {
      if (!settled) {
        settled = true;
        resolvePromise(r);
      }
    };
    const r = request(
      {
        host: req.host,
        port: req.port,
        path: req.path,
        method: 'GET',
        servername: req.servername,
        cert: req.tls.certPem,
        key: req.tls.keyPem,
        ca: req.tls.caPem,
        rejectUnauthorized: true,
        agent: false,
        timeout: req.timeoutMs ?? 5000,
        headers: { Accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => done({ ok: false, error: describeTlsError(err, peer) }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return done({ ok: false, error: `${peer}: HTTP ${res.statusCode}: ${text.trim()}` });
          try {
            done({ ok: true, body: JSON.parse(text) as T });
          } catch {
            done({ ok: false, error: `${peer}: the answer is not JSON` });
          }
        });
      },
    );
    r.on('timeout', () => {
      r.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
    });
    r.on('error', (err) => done({ ok: false, error: describeTlsError(err, peer) }));
    r.end();
  });
}

export type RouteHandler = (req: IncomingMessage, clientCommonName: string) => Promise<unknown> | unknown;

export interface MtlsServer {
  server: ReturnType<typeof createHttpsServer>;
  port: number;
  /** Swaps certificate, key and trusted CA without dropping the listener (the CA can be replaced). */
  reload(material: TlsMaterial): void;
  close(): Promise<void>;
}

/** An HTTPS server that demands a client certificate chaining to `material.caPem`. */
export function startMtlsServer(opts: { host: string; port: number; material: TlsMaterial; routes: Record<string, RouteHandler>; log?: (line: string) => void }): Promise<MtlsServer> {
  const log = opts.log ?? (() => {});
  const server = createHttpsServer(
    { cert: opts.material.certPem, key: opts.material.keyPem, ca: opts.material.caPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
    (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket as TLSSocket;
      const cn = String(socket.getPeerCertificate()?.subject?.CN ?? '');
      const route = opts.routes[(req.url ?? '/').split('?')[0] ?? '/'];
      if (!route || req.method !== 'GET') {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
        return;
      }
      Promise.resolve()
        .then(() => route(req, cn))
        .then(
          (body) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body)),
          (err: Error) => {
            log(`request ${req.url} from ${cn} failed: ${err.message}`);
            res.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: err.message }));
          },
        );
    },
  );
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    log(`refused a TLS client from ${socket.remoteAddress ?? '?'}: ${err.code ?? ''} ${err.message}`);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : opts.port;
      resolvePromise({
        server,
        port,
        reload: (m) => server.setSecureContext({ cert: m.certPem, key: m.keyPem, ca: m.caPem }),
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}
