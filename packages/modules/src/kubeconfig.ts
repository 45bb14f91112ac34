import { z } from 'zod';
import { MeshbookError, Secret, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { accountName } from './group.js';
import { absolutePath } from './kubeadm/grammar.js';
import { canonical, conflictingEntries, kubeconfigNames, mergeKubeconfigs, parseKubeconfig, renderKubeconfig, type EntryChange, type Kubeconfig } from './lib/kubeconfig.js';
import { contentText, secretFile, type SecretFileState } from './lib/secret-file.js';
import { userAccount, type UserAccount } from './user.js';
import { ownAndProtect } from './kubeadm/kubeconfig-user.js';
import type { DocumentedParams } from './lib/documented-params.js';

const MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024;

/** A kubeconfig's text (a Secret: it holds client keys), checked to be one; errors never quote it. */
const kubeconfigText = z
  .union([z.instanceof(Secret), z.string()])
  .transform((v) => (v instanceof Secret ? v : new Secret(v)))
  .superRefine((s, ctx) => {
    try {
      parseKubeconfig(s.reveal(), 'the kubeconfig', true);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `${(error as Error).message} (its content is not shown)` });
    }
  });

/** The kubeconfig task's params as written (an interface, so editors show each field's documentation). */
export interface KubeconfigInput {
  /** The login user whose kubeconfig this is; the file is theirs, mode 0600. */
  user: string;
  /** The file, an absolute path. Default: the user's ~/.kube/config. */
  path?: string | undefined;
  /**
   * Kubeconfigs (text, or a Secret such as fetch's output) whose clusters, users and contexts are
   * merged in by name (e.g. fetched from other masters); entries of other names are kept.
   */
  kubeconfigs: Array<string | Secret>;
  /**
   * A cluster's API address as this host reaches it (an https URL), by the cluster's name in the
   * kubeconfigs: RKE writes the address the controller dialled, which need not be one the node can dial.
   */
  servers?: Record<string, string> | undefined;
  /** The context kubectl uses by default; absent: the file's own (or, for a new file, the first kubeconfig's). */
  currentContext?: string | undefined;
}

const paramsSchema = z
  .object({
    user: accountName,
    path: absolutePath.optional(),
    kubeconfigs: z.array(kubeconfigText).min(1),
    servers: z.record(z.string().min(1), z.url({ protocol: /^https$/, error: 'an https URL such as https://10.195.197.165:6443' })).optional(),
    currentContext: z.string().min(1).optional(),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, KubeconfigInput> = paramsSchema;

type Params = z.output<typeof params>;

export interface KubeconfigFacts {
  account: UserAccount | null;
  file: SecretFileState | null;
}

export type KubeconfigChange =
  | Change<'kubeconfig.write', { path: string; content: Secret; owner: string; group: string }>
  | Change<'kubeconfig.attributes', { path: string; owner: string; group: string }>
  | Change<'kubeconfig.user_missing', { user: string }>;

function pathFor(p: Params, account: UserAccount): string {
  return p.path ?? `${account.home.replace(/\/$/, '')}/.kube/config`;
}

/** The kubeconfig with the named clusters' `server` replaced. */
function withServers(config: Kubeconfig, servers: Record<string, string>): Kubeconfig {
  const clusters = config.clusters.map((entry) => {
    const server = servers[entry.name];
    if (server === undefined) return entry;
    const cluster = (typeof entry['cluster'] === 'object' && entry['cluster'] !== null ? entry['cluster'] : {}) as Record<string, unknown>;
    return { ...entry, cluster: { ...cluster, server } };
  });
  return { ...config, clusters };
}

function describe(changes: readonly EntryChange[], currentContext: { from: string | undefined; to: string | undefined }): string {
  const parts = changes.map((c) => `${c.action} ${c.list.slice(0, -1)} ${c.name}`);
  if (currentContext.from !== currentContext.to) parts.push(`current-context ${currentContext.from ?? '(none)'} → ${currentContext.to ?? '(none)'}`);
  return parts.join(', ');
}

/**
 * Clusters, users and contexts of several kubeconfigs merged into one user's kubeconfig on a host
 * (seed 000-14: each master uses both clusters' contexts). Entries are merged by name and
 * compared parsed, not as text; the file is rewritten only when an entry differs. Diffs and
 * summaries show names only: certificates, keys and tokens are never shown.
 */
export const kubeconfig = defineModule({
  name: 'kubeconfig',
  params,
  facts: (p) => ({ account: userAccount(p.user) }),
  async gather(ctx, p, facts): Promise<KubeconfigFacts> {
    if (!facts.account) return { account: null, file: null };
    return { account: facts.account, file: await ctx.fact(secretFile({ path: pathFor(p, facts.account), maxBytes: MAX_KUBECONFIG_BYTES })) };
  },
  plan(facts: KubeconfigFacts, p): KubeconfigChange[] {
    if (!facts.account || !facts.file) {
      return [{ kind: 'kubeconfig.user_missing', target: p.user, summary: `merge kubeconfigs (known after apply: user ${p.user} does not exist yet)`, payload: { user: p.user } }];
    }
    const path = pathFor(p, facts.account);
    const file = facts.file;
    if (file.exists && file.type !== 'file') throw new MeshbookError('MODULE_FAILED', `kubeconfig: ${path} exists and is not a regular file`);
    if (file.tooLarge) throw new MeshbookError('MODULE_FAILED', `kubeconfig: ${path} is larger than ${MAX_KUBECONFIG_BYTES} bytes`);
    const text = contentText(file);
    const current: Kubeconfig | null = text !== null ? parseKubeconfig(text, `${path} on the host`) : null;
    const sources = p.kubeconfigs.map((k, i) => withServers(parseKubeconfig(k.reveal(), `kubeconfigs[${i}]`), p.servers ?? {}));
    const unknownServer = Object.keys(p.servers ?? {}).find((name) => !sources.some((s) => s.clusters.some((c) => c.name === name)));
    if (unknownServer !== undefined) {
      throw new MeshbookError('BAD_INPUT', `kubeconfig.servers: no cluster named "${unknownServer}" in the kubeconfigs (clusters: ${sources.flatMap((s) => s.clusters.map((c) => c.name)).join(', ')})`);
    }
    const conflicts = conflictingEntries(sources);
    if (conflicts.length > 0) {
      throw new MeshbookError('BAD_INPUT', `kubeconfig.kubeconfigs: different entries of the same name: ${conflicts.join(', ')}`, {
        hint: 'give each cluster its own names (kubeadmConfig clusterName, kubeadmKubeconfigUser clientName) rather than admin.conf\'s kubernetes-admin',
      });
    }
    const base: Kubeconfig = current ?? { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], preferences: {} };
    const { merged, changes } = mergeKubeconfigs(base, sources);
    const wantedContext = p.currentContext ?? current?.['current-context'] ?? sources.find((s) => s['current-context'])?.['current-context'];
    if (wantedContext !== undefined) merged['current-context'] = wantedContext;
    if (wantedContext !== undefined && !merged.contexts.some((c) => c.name === wantedContext)) {
      throw new MeshbookError('BAD_INPUT', `kubeconfig.currentContext: no context named "${wantedContext}" in the merged kubeconfig (contexts: ${merged.contexts.map((c) => c.name).join(', ')})`);
    }
    const owner = facts.account.name;
    const group = facts.account.group;
    if (current === null || canonical(current) !== canonical(merged)) {
      return [
        {
          kind: 'kubeconfig.write',
          target: path,
          summary: current === null
            ? `create with ${kubeconfigNames(merged)} (${owner}:${group} 0600)`
            : describe(changes, { from: current['current-context'], to: merged['current-context'] }) || 'normalise the file',
          before: kubeconfigNames(current),
          after: kubeconfigNames(merged),
          payload: { path, content: new Secret(renderKubeconfig(merged)), owner, group },
        },
      ];
    }
    if (file.owner !== owner || file.group !== group || file.mode !== '0600') {
      return [{ kind: 'kubeconfig.attributes', target: path, summary: `${file.owner}:${file.group} ${file.mode} → ${owner}:${group} 0600`, payload: { path, owner, group } }];
    }
    return [];
  },
  async apply(ctx, changes) {
    for (const change of changes) {
      switch (change.kind) {
        case 'kubeconfig.user_missing':
          throw new MeshbookError('BAD_INPUT', `user ${change.payload.user} does not exist on ${ctx.host}`, { host: ctx.host, hint: 'create the login user first (the user module)' });
        case 'kubeconfig.attributes': {
          const { path, owner, group } = change.payload;
          await ctx.exec(ownAndProtect(path, owner, group));
          break;
        }
        case 'kubeconfig.write': {
          const { path, content, owner, group } = change.payload;
          await ctx.exec(sh`d="$(dirname -- ${path})"; [ -d "$d" ] || install -d -m 0700 -o ${owner} -g ${group} -- "$d"`);
          await ctx.put(path, content.reveal(), { mode: 0o600, owner, group });
          break;
        }
      }
    }
  },
  output(facts: KubeconfigFacts, p): { path: string | null } {
    return { path: facts.account ? pathFor(p, facts.account) : null };
  },
});
