// The kubeconfig as client-go reads it: KUBECONFIG (a colon-separated list, first file wins for
// each name), else ~/.kube/config; --kubeconfig overrides both; --context picks the context.
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve, dirname } from 'node:path';
import { parse } from 'yaml';

/** What a client needs to talk to one cluster's API server with a client certificate. */
export interface ClusterAccess {
  contextName: string;
  clusterName: string;
  server: string;
  caPem: string | undefined;
  certPem: string;
  keyPem: string;
  insecureSkipTlsVerify: boolean;
}

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

interface Merged {
  currentContext: string | undefined;
  contexts: Map<string, { cluster?: string; user?: string; file: string }>;
  clusters: Map<string, { server?: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean; file: string }>;
  users: Map<string, { 'client-certificate'?: string; 'client-certificate-data'?: string; 'client-key'?: string; 'client-key-data'?: string; token?: string; file: string }>;
}

export class KubeconfigError extends Error {}

/** The files client-go would read, in precedence order. */
export function kubeconfigFiles(env: NodeJS.ProcessEnv, explicit: string | undefined): string[] {
  if (explicit) return [explicit];
  const list = (env.KUBECONFIG ?? '').split(':').filter((p) => p !== '');
  if (list.length > 0) return list;
  return [resolve(env.HOME ?? homedir(), '.kube/config')];
}

function mergeFiles(files: string[], required: boolean): Merged {
  const merged: Merged = { currentContext: undefined, contexts: new Map(), clusters: new Map(), users: new Map() };
  let found = 0;
  for (const file of files) {
    if (!existsSync(file)) {
      if (required) throw new KubeconfigError(`stat ${file}: no such file or directory`);
      continue;
    }
    found++;
    const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
    if (merged.currentContext === undefined && typeof doc['current-context'] === 'string' && doc['current-context'] !== '') {
      merged.currentContext = doc['current-context'];
    }
    const take = <T extends object>(key: string, field: string, into: Map<string, T & { file: string }>) => {
      for (const item of (doc[key] as Named<T>[] | undefined) ?? []) {
        if (item && typeof item.name === 'string' && !into.has(item.name)) {
          into.set(item.name, { ...((item[field] as T) ?? ({} as T)), file });
        }
      }
    };
    take('contexts', 'context', merged.contexts);
    take('clusters', 'cluster', merged.clusters);
    take('users', 'user', merged.users);
  }
  if (found === 0) throw new KubeconfigError('invalid configuration: no configuration has been provided');
  return merged;
}

function readMaybeFile(data: string | undefined, path: string | undefined, base: string): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (path) return readFileSync(resolve(dirname(base), path), 'utf8');
  return undefined;
}

/** Loads the named context (or the current one) with its cluster and user resolved. */
export function loadClusterAccess(opts: { env: NodeJS.ProcessEnv; kubeconfig?: string; context?: string }): ClusterAccess {
  const merged = mergeFiles(kubeconfigFiles(opts.env, opts.kubeconfig), opts.kubeconfig !== undefined);
  const contextName = opts.context || merged.currentContext;
  if (!contextName) throw new KubeconfigError('invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable');
  const ctx = merged.contexts.get(contextName);
  if (!ctx) throw new KubeconfigError(`context "${contextName}" does not exist`);
  const cluster = ctx.cluster ? merged.clusters.get(ctx.cluster) : undefined;
  if (!cluster || !cluster.server) throw new KubeconfigError(`invalid configuration: context "${contextName}": cluster "${ctx.cluster ?? ''}" not found or has no server`);
  const user = ctx.user ? merged.users.get(ctx.user) : undefined;
  if (!user) throw new KubeconfigError(`invalid configuration: context "${contextName}": user "${ctx.user ?? ''}" not found`);
  const certPem = readMaybeFile(user['client-certificate-data'], user['client-certificate'], user.file);
  const keyPem = readMaybeFile(user['client-key-data'], user['client-key'], user.file);
  if (!certPem || !keyPem) {
    throw new KubeconfigError(`invalid configuration: user "${ctx.user}" of context "${contextName}" has no client certificate and key (this double authenticates with client certificates only)`);
  }
  return {
    contextName,
    clusterName: ctx.cluster!,
    server: cluster.server.replace(/\/+$/, ''),
    caPem: readMaybeFile(cluster['certificate-authority-data'], cluster['certificate-authority'], cluster.file),
    certPem,
    keyPem,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}
