import { MeshbookError, defineFact, parseYaml, sh, stringifyYaml } from '@meshbook/engine';
import { normalizeMode } from './file-facts.js';

/** A named entry of a kubeconfig list (clusters, users, contexts), kept as the file has it. */
export interface NamedEntry {
  name: string;
  [key: string]: unknown;
}

export interface Kubeconfig {
  apiVersion: string;
  kind: string;
  clusters: NamedEntry[];
  users: NamedEntry[];
  contexts: NamedEntry[];
  'current-context'?: string;
  preferences?: unknown;
  [key: string]: unknown;
}

export const KUBECONFIG_LISTS = ['clusters', 'contexts', 'users'] as const;
export type KubeconfigList = (typeof KUBECONFIG_LISTS)[number];

/**
 * Parses a kubeconfig; the error names `what` and never quotes the text (it holds keys).
 * `requireKind`: it must say `kind: Config`, as kubectl and kubeadm write it (for given ones).
 */
export function parseKubeconfig(text: string, what: string, requireKind = false): Kubeconfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new MeshbookError('BAD_INPUT', `${what} is not valid YAML (line ${(error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line ?? '?'})`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new MeshbookError('BAD_INPUT', `${what} is not a kubeconfig (a YAML mapping)`);
  const config = doc as Record<string, unknown>;
  if ((requireKind || config['kind'] !== undefined) && config['kind'] !== 'Config') throw new MeshbookError('BAD_INPUT', `${what} is not a kubeconfig (kind: ${config['kind'] === undefined ? 'absent' : String(config['kind'])}, expected Config)`);
  const out: Kubeconfig = { ...config, apiVersion: String(config['apiVersion'] ?? 'v1'), kind: 'Config', clusters: [], users: [], contexts: [] };
  for (const list of KUBECONFIG_LISTS) {
    const value = config[list] ?? [];
    if (!Array.isArray(value) || value.some((e) => typeof e !== 'object' || e === null || typeof (e as NamedEntry).name !== 'string')) {
      throw new MeshbookError('BAD_INPUT', `${what}: ${list} must be a list of named entries`);
    }
    out[list] = value as NamedEntry[];
  }
  return out;
}

export function renderKubeconfig(config: Kubeconfig): string {
  return stringifyYaml(config, { lineWidth: 0 });
}

/** Key-order-independent JSON: two layouts of the same entry compare equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

export interface EntryChange {
  list: KubeconfigList;
  name: string;
  action: 'add' | 'update';
}

/**
 * `target` with the entries of `sources` merged in, by name: an entry of a source replaces the
 * target's entry of the same name, others are kept. Later sources win over earlier ones.
 */
/**
 * Entries of the same name in two of the given kubeconfigs that differ (both clusters' admin.conf
 * name their user kubernetes-admin): merging would silently keep only the last.
 */
export function conflictingEntries(sources: readonly Kubeconfig[]): string[] {
  const seen = new Map<string, { index: number; entry: string }>();
  const conflicts: string[] = [];
  sources.forEach((source, index) => {
    for (const list of KUBECONFIG_LISTS) {
      for (const entry of source[list]) {
        const key = `${list.slice(0, -1)} ${entry.name}`;
        const earlier = seen.get(key);
        if (earlier && earlier.entry !== canonical(entry)) conflicts.push(`${key} (kubeconfigs[${earlier.index}] and kubeconfigs[${index}])`);
        else if (!earlier) seen.set(key, { index, entry: canonical(entry) });
      }
    }
  });
  return conflicts;
}

export function mergeKubeconfigs(target: Kubeconfig, sources: readonly Kubeconfig[]): { merged: Kubeconfig; changes: EntryChange[] } {
  const merged: Kubeconfig = { ...target, clusters: [...target.clusters], users: [...target.users], contexts: [...target.contexts] };
  const changes = new Map<string, EntryChange>();
  for (const source of sources) {
    for (const list of KUBECONFIG_LISTS) {
      for (const entry of source[list]) {
        const at = merged[list].findIndex((e) => e.name === entry.name);
        if (at < 0) {
          merged[list].push(entry);
          changes.set(`${list}/${entry.name}`, { list, name: entry.name, action: 'add' });
        } else if (canonical(merged[list][at]) !== canonical(entry)) {
          merged[list][at] = entry;
          const key = `${list}/${entry.name}`;
          if (!changes.has(key)) changes.set(key, { list, name: entry.name, action: 'update' });
        }
      }
    }
  }
  return { merged, changes: [...changes.values()] };
}

/** The names in a kubeconfig, one line per list: what diffs show instead of its content. */
export function kubeconfigNames(config: Kubeconfig | null): string {
  if (config === null) return '(absent)';
  return KUBECONFIG_LISTS.map((list) => `${list}: ${config[list].map((e) => e.name).join(', ') || '-'}`).join('; ') +
    (config['current-context'] ? `; current-context: ${config['current-context']}` : '');
}

/** A client certificate of a kubeconfig user, as openssl read it on the host. */
export interface ClientCert {
  user: string;
  commonName: string | null;
  organizations: string[];
  notAfter: string | null;
  /** openssl x509 -checkend: it expires within the window asked for. */
  expiring: boolean;
}

export interface KubeconfigCertsState {
  exists: boolean;
  owner: string | null;
  group: string | null;
  mode: string | null;
  currentContext: string | null;
  /** The user each context names. */
  contexts: Record<string, string>;
  certs: ClientCert[];
}

// Keys, tokens and passwords are cut on the host; the certificates are read there by openssl.
// Names and structure cross the wire, base64 framed; the n-th `cert` line belongs to the n-th
// user that has client-certificate-data.
const CERTS_SCRIPT = `
[ -e "$f" ] || { echo absent; exit 0; }
printf 'stat %s\\n' "$(stat -L -c '%U|%G|%a' -- "$f")"
printf 'yaml '; sed -E 's/^([[:space:]-]*(client-key-data|client-key|token|password|tokenFile)):.*$/\\1: REDACTED/; s/^([[:space:]-]*(client-certificate-data|certificate-authority-data)):.*$/\\1: REDACTED/' -- "$f" | base64 -w0; echo
sed -nE 's/^[[:space:]-]*client-certificate-data:[[:space:]]*"?([A-Za-z0-9+\\/=]+)"?[[:space:]]*$/\\1/p' -- "$f" | while read -r c; do
  printf 'cert '; printf '%s' "$c" | base64 -d 2>/dev/null | openssl x509 -noout -subject -enddate -nameopt RFC2253 -checkend "$s" 2>/dev/null | tr '\\n' '|'; echo
done`;

export const kubeconfigCerts = defineFact<{ path: string; renewBeforeSeconds: number }, KubeconfigCertsState>({
  name: 'kubeconfig.certs',
  command: ({ path, renewBeforeSeconds }) => sh`f=${path}; s=${Math.max(0, Math.floor(renewBeforeSeconds))};${sh.raw(CERTS_SCRIPT)}`,
  parse: (result, { path }) => {
    if (result.exitCode !== 0) throw new MeshbookError('COMMAND_FAILED', `reading the kubeconfig ${path} failed`, { exitCode: result.exitCode, stderr: result.stderr });
    return parseKubeconfigCerts(result.stdout);
  },
});

export function parseKubeconfigCerts(stdout: string): KubeconfigCertsState {
  const state: KubeconfigCertsState = { exists: false, owner: null, group: null, mode: null, currentContext: null, contexts: {}, certs: [] };
  let yaml = '';
  const certLines: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('stat ')) {
      const [owner = '', group = '', mode = ''] = line.slice(5).split('|');
      Object.assign(state, { exists: true, owner, group, mode: normalizeMode(mode) });
    } else if (line.startsWith('yaml ')) yaml = Buffer.from(line.slice(5), 'base64').toString('utf8');
    else if (line.startsWith('cert ') || line === 'cert') certLines.push(line.slice(5));
  }
  if (!state.exists) return state;
  let config: Kubeconfig;
  try {
    config = parseKubeconfig(yaml, 'the kubeconfig');
  } catch {
    return state; // unreadable: no certificate counts, so it is replaced
  }
  state.currentContext = typeof config['current-context'] === 'string' ? config['current-context'] : null;
  for (const context of config.contexts) {
    const user = (context['context'] as { user?: unknown } | undefined)?.user;
    if (typeof user === 'string') state.contexts[context.name] = user;
  }
  const withCert = config.users.filter((u) => (u['user'] as Record<string, unknown> | undefined)?.['client-certificate-data'] !== undefined);
  withCert.forEach((user, i) => {
    const cert = parseOpensslCert(certLines[i] ?? '');
    if (cert) state.certs.push({ user: user.name, ...cert });
  });
  return state;
}

/** `subject=CN=a,O=b|notAfter=...|Certificate will not expire|` as the script joins openssl's lines. */
export function parseOpensslCert(line: string): Omit<ClientCert, 'user'> | null {
  const parts = line.split('|').map((p) => p.trim()).filter(Boolean);
  const subject = parts.find((p) => p.startsWith('subject='));
  if (!subject) return null;
  const rdns = subject.slice('subject='.length).trim().split(/(?<!\\),\s*/);
  const values = (type: string) => rdns.filter((r) => r.startsWith(`${type}=`)).map((r) => r.slice(type.length + 1).replace(/\\(.)/g, '$1'));
  return {
    commonName: values('CN')[0] ?? null,
    organizations: values('O').sort(),
    notAfter: parts.find((p) => p.startsWith('notAfter='))?.slice('notAfter='.length) ?? null,
    expiring: !parts.includes('Certificate will not expire'),
  };
}
