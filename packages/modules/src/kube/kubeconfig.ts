import { MeshbookError, Secret, defineFact, parseYaml, registerSecretText, sh } from '@meshbook/engine';
import type { ModuleContext } from '@meshbook/engine';

/** How to reach one cluster's API: the server and the user's credentials, keys and tokens as Secrets. */
export interface KubeCredentials {
  /** The kubeconfig's path on the host (for messages). */
  path: string;
  context: string;
  /** The user the context names (for messages). */
  user: string;
  server: { host: string; port: number; url: string };
  /** PEM of the CA the server's certificate must chain to; absent: the system's roots. */
  ca: string | undefined;
  insecureSkipTlsVerify: boolean;
  clientCertificate: string | undefined;
  clientKey: Secret | undefined;
  token: Secret | undefined;
  /**
   * Credentials the kubeconfig names by file path (`client-key: /path` rather than
   * `client-key-data`), as written; relative paths are relative to the kubeconfig's directory,
   * as kubectl reads them. Read on the host by `resolveCredentials`.
   */
  files: KubeconfigFiles;
}

export type CredentialFile = 'certificate-authority' | 'client-certificate' | 'client-key' | 'tokenFile';
export type KubeconfigFiles = Partial<Record<CredentialFile, string>>;

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
  const userName = String(ctx['user']);
  // A field given both as data and as a file is refused, as kubectl refuses it.
  const files: KubeconfigFiles = {};
  for (const [key, entry, what] of [['certificate-authority', cluster, `cluster "${String(ctx['cluster'])}"`], ['client-certificate', user, `user "${userName}"`], ['client-key', user, `user "${userName}"`], ['tokenFile', user, `user "${userName}"`]] as const) {
    const file = entry[key];
    if (file === undefined || file === '') continue;
    if (typeof file !== 'string' || file.includes('\0') || file.includes('\n')) throw fail(`${what}: ${key} is not a file path`);
    const data = key === 'tokenFile' ? 'token' : `${key}-data`;
    if (entry[data] !== undefined) throw fail(`${what} has both ${data} and ${key}`, 'keep one of them');
    files[key] = file;
  }
  const keyData = user['client-key-data'];
  if (typeof keyData === 'string') registerSecretText(keyData);
  const keyPem = decode(keyData);
  const token = typeof user['token'] === 'string' ? new Secret(user['token']) : undefined;
  const clientKey = keyPem === undefined ? undefined : new Secret(keyPem);
  // Each line of the PEM too: a wrapped or partly echoed key is scrubbed as well.
  keyPem?.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')).forEach(registerSecretText);
  if (!clientKey && !token && !files['client-key'] && !files.tokenFile) throw fail(`user "${userName}" has no client key (client-key-data or client-key) and no token (token or tokenFile)`);
  return {
    path,
    context,
    user: userName,
    server: { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 443), url: `${parsed.origin}${parsed.pathname.replace(/\/$/, '')}` },
    ca: decode(cluster['certificate-authority-data']),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    clientCertificate: decode(user['client-certificate-data']),
    clientKey,
    token,
    files,
  };
}

type FileRead = { status: 'ok'; base64: string } | { status: 'unreadable'; why: string };

const FILE_ORDER: readonly CredentialFile[] = ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile'];

/**
 * The credential files a kubeconfig names, read on the host (relative paths from the kubeconfig's
 * directory, as kubectl resolves them), base64 framed, one line each. Private keys and tokens are
 * registered as secret text when parsed, before any output can show them.
 */
export const kubeconfigFiles = defineFact<{ path: string; files: KubeconfigFiles }, Partial<Record<CredentialFile, FileRead>>>({
  name: 'kube.kubeconfig_files',
  command: ({ path, files }) => {
    const dir = path === DEFAULT_KUBECONFIG ? sh.raw('"$HOME/.kube"') : sh`"$(dirname -- ${path})"`;
    const reads = FILE_ORDER.filter((k) => files[k] !== undefined).map(
      (k) => sh`if [ -r ${files[k]!} ] && [ -f ${files[k]!} ]; then printf '%s ok ' ${k}; base64 -w0 < ${files[k]!}; echo; elif [ -e ${files[k]!} ]; then printf '%s unreadable %s\n' ${k} "not a readable file"; else printf '%s unreadable %s\n' ${k} "no such file"; fi;`,
    );
    return sh`cd ${dir} || exit 3; ${reads}`;
  },
  parse: (result, { path }) => {
    if (result.exitCode !== 0) throw new MeshbookError('COMMAND_FAILED', `reading the files kubeconfig ${path} names failed`, { exitCode: result.exitCode, stderr: result.stderr });
    const out: Partial<Record<CredentialFile, FileRead>> = {};
    for (const line of result.stdout.split('\n')) {
      const m = /^(\S+) (ok|unreadable) ?(.*)$/.exec(line);
      if (!m || !FILE_ORDER.includes(m[1] as CredentialFile)) continue;
      const key = m[1] as CredentialFile;
      if (m[2] === 'ok') {
        if (key === 'client-key' || key === 'tokenFile') registerSecretText(m[3]!);
        out[key] = { status: 'ok', base64: m[3]! };
      } else out[key] = { status: 'unreadable', why: m[3]! };
    }
    return out;
  },
});

/**
 * The credentials with the files the kubeconfig names read from the host: the CA and client
 * certificate as text, the client key and token as Secrets. A file that cannot be read fails,
 * naming the field, the file, the kubeconfig and the host.
 */
export async function resolveCredentials(ctx: Pick<ModuleContext, 'fact' | 'host'>, credentials: KubeCredentials): Promise<KubeCredentials> {
  if (Object.keys(credentials.files).length === 0) return credentials;
  const read = await ctx.fact(kubeconfigFiles({ path: credentials.path, files: credentials.files }));
  const text = (key: CredentialFile): string | undefined => {
    const file = credentials.files[key];
    if (file === undefined) return undefined;
    const got = read[key];
    if (got?.status !== 'ok') {
      throw new MeshbookError('MODULE_FAILED', `kubeconfig ${credentials.path}: ${key} ${file} (user "${credentials.user}", context "${credentials.context}") cannot be read on ${ctx.host}: ${got?.why ?? 'no answer'}`, {
        host: ctx.host,
        hint: `put the file there (relative paths are from the kubeconfig's directory), or embed it as ${key === 'tokenFile' ? 'token' : `${key}-data`}`,
      });
    }
    return Buffer.from(got.base64, 'base64').toString('utf8');
  };
  const keyPem = text('client-key');
  keyPem?.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')).forEach(registerSecretText);
  const token = text('tokenFile')?.trim();
  if (token !== undefined) registerSecretText(token);
  return {
    ...credentials,
    ca: text('certificate-authority') ?? credentials.ca,
    clientCertificate: text('client-certificate') ?? credentials.clientCertificate,
    clientKey: keyPem !== undefined ? new Secret(keyPem) : credentials.clientKey,
    token: token !== undefined ? new Secret(token) : credentials.token,
    files: {},
  };
}
