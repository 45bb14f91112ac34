import { parse as parseYaml } from 'yaml';
import { MeshbookError, Secret, defineFact, registerSecretText, sh } from '@meshbook/engine';

/** How to reach one cluster's API: the server and the user's credentials, keys and tokens as Secrets. */
export interface KubeCredentials {
  /** The kubeconfig's path on the host (for messages). */
  path: string;
  context: string;
  server: { host: string; port: number; url: string };
  /** PEM of the CA the server's certificate must chain to; absent: the system's roots. */
  ca: string | undefined;
  insecureSkipTlsVerify: boolean;
  clientCertificate: string | undefined;
  clientKey: Secret | undefined;
  token: Secret | undefined;
}

export type KubeconfigRead = { status: 'ok'; credentials: KubeCredentials } | { status: 'missing'; path: string };

/** `$HOME/.kube/config` of the login (or become) user when no path is given. */
export const DEFAULT_KUBECONFIG = '~/.kube/config';

/**
 * A kubeconfig on the host, read as a secret: the text never leaves this parser, and the key and
 * token it holds come out as Secrets (registered, so any echo of them is scrubbed from output).
 */
export const kubeconfigFact = defineFact<{ path: string; context: string | undefined }, KubeconfigRead>({
  name: 'kube.kubeconfig',
  command: ({ path }) =>
    path === DEFAULT_KUBECONFIG ? sh`cat -- "$HOME/.kube/config" 2>/dev/null || echo MESHBOOK_NO_KUBECONFIG` : sh`cat -- ${path} 2>/dev/null || echo MESHBOOK_NO_KUBECONFIG`,
  parse: (result, { path, context }) => {
    if (result.stdout.trim() === 'MESHBOOK_NO_KUBECONFIG') return { status: 'missing', path };
    return { status: 'ok', credentials: parseKubeconfig(result.stdout, path, context) };
  },
});

interface NamedEntry<T> {
  name?: string;
  [key: string]: unknown;
  value?: T;
}

/** Parses a kubeconfig (YAML) and picks the context; errors name the path and never quote the file. */
export function parseKubeconfig(text: string, path: string, contextName?: string): KubeCredentials {
  const fail = (what: string, hint?: string) => new MeshbookError('MODULE_FAILED', `kubeconfig ${path}: ${what}`, { hint: hint ?? 'point `kubeconfig` at a file written by kubeadm (admin.conf) or `kubeadm kubeconfig user`' });
  let doc: Record<string, unknown>;
  try {
    doc = parseYaml(text) as Record<string, unknown>;
  } catch {
    throw fail('is not valid YAML');
  }
  if (!doc || typeof doc !== 'object') throw fail('is empty');
  const find = (list: unknown, name: string, key: string): Record<string, unknown> | undefined => {
    const entry = (Array.isArray(list) ? (list as NamedEntry<unknown>[]) : []).find((e) => e?.name === name);
    return entry?.[key] as Record<string, unknown> | undefined;
  };
  const context = contextName ?? (doc['current-context'] as string | undefined);
  if (!context) throw fail('has no current-context', 'name a `context`');
  const ctx = find(doc['contexts'], context, 'context');
  if (!ctx) throw fail(`has no context "${context}"`, 'name a context the file has');
  const cluster = find(doc['clusters'], String(ctx['cluster']), 'cluster');
  if (!cluster) throw fail(`context "${context}" names cluster "${String(ctx['cluster'])}", which the file does not have`);
  const user = find(doc['users'], String(ctx['user']), 'user') ?? {};
  const url = String(cluster['server'] ?? '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw fail(`cluster "${String(ctx['cluster'])}" has no valid server URL`);
  }
  if (parsed.protocol !== 'https:') throw fail(`server ${url} is not https`);
  const decode = (value: unknown) => (typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined);
  for (const key of ['client-certificate', 'client-key', 'certificate-authority', 'tokenFile']) {
    if (user[key] !== undefined || cluster[key] !== undefined) throw fail(`names a file (${key}); only embedded data (${key}-data) is read`, 'use a kubeconfig with embedded credentials, as kubeadm writes them');
  }
  const keyData = user['client-key-data'];
  if (typeof keyData === 'string') registerSecretText(keyData);
  const keyPem = decode(keyData);
  const token = typeof user['token'] === 'string' ? new Secret(user['token']) : undefined;
  const clientKey = keyPem === undefined ? undefined : new Secret(keyPem);
  // Each line of the PEM too: a wrapped or partly echoed key is scrubbed as well.
  keyPem?.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')).forEach(registerSecretText);
  if (!clientKey && !token) throw fail(`user "${String(ctx['user'])}" has neither client-key-data nor a token`);
  return {
    path,
    context,
    server: { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 443), url: `${parsed.origin}${parsed.pathname.replace(/\/$/, '')}` },
    ca: decode(cluster['certificate-authority-data']),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    clientCertificate: decode(user['client-certificate-data']),
    clientKey,
    token,
  };
}
