import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { BOOTSTRAP_TOKEN_RE, type BootstrapTokenSpec } from './config.js';

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}`. */
export function generateToken(): string {
  const pick = (n: number) => Array.from({ length: n }, () => TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)]).join('');
  return `${pick(6)}.${pick(16)}`;
}

export function splitToken(token: string): { id: string; secret: string } {
  const m = BOOTSTRAP_TOKEN_RE.exec(token);
  if (!m) throw new Error('the bootstrap token is invalid');
  return { id: m[1]!, secret: m[2]! };
}

/** The Secret the API server authenticates bootstrap tokens from (`kube-system/bootstrap-token-<id>`). */
export function bootstrapTokenSecret(spec: BootstrapTokenSpec, now = new Date()): { metadata: { name: string; namespace: string } } & Record<string, unknown> {
  const { id, secret } = splitToken(spec.token);
  const data: Record<string, string> = { 'token-id': id, 'token-secret': secret };
  if (spec.description) data.description = spec.description;
  if (spec.ttlSeconds > 0) data.expiration = new Date(now.getTime() + spec.ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const usage of spec.usages) data[`usage-bootstrap-${usage}`] = 'true';
  if (spec.groups.length > 0) data['auth-extra-groups'] = spec.groups.join(',');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/**
 * The detached JWS (`header..signature`, HS256 keyed by the token secret, kid = token id) that the
 * bootstrap signer puts beside the kubeconfig in `cluster-info` as `jws-kubeconfig-<id>`. A joining
 * node that knows the token recomputes it, which proves the ConfigMap came from the cluster.
 */
export function detachedJws(content: string, tokenId: string, tokenSecret: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const signature = createHmac('sha256', tokenSecret).update(`${header}.${b64url(content)}`).digest();
  return `${header}..${b64url(signature)}`;
}

export function detachedJwsIsValid(jws: string, content: string, tokenId: string, tokenSecret: string): boolean {
  const expected = Buffer.from(detachedJws(content, tokenId, tokenSecret));
  const actual = Buffer.from(jws);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
