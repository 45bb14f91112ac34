import { z } from 'zod';
import type { DocumentedParams } from '../lib/documented-params.js';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { kubeconfigCerts, type KubeconfigCertsState } from '../lib/kubeconfig.js';
import { accountName } from '../group.js';
import { userAccount, type UserAccount } from '../user.js';
import { absolutePath, goDuration, subjectPart } from './grammar.js';
import { kubeadmFailure } from './output.js';

/** The kubeadmKubeconfigUser task's params as written (an interface, so editors show each field's documentation). */
export interface KubeadmKubeconfigUserInput {
  /** The certificate's CN: the Kubernetes user name (kubernetes-admin-ayk). */
  clientName: string;
  /** The certificate's O: the groups (system:masters); one or a list. */
  org?: string | string[] | undefined;
  /** The login user who owns the kubeconfig. */
  user: string;
  /** Where it goes; default the user's ~/.kube/config. */
  path?: string | undefined;
  /** kubeadm's configuration (its controlPlaneEndpoint and clusterName go into the kubeconfig). */
  config?: string | undefined;
  /** The client certificate's validity, a Go duration; default kubeadm's. */
  validityPeriod?: string | undefined;
  /** Renew when the certificate expires within this many days. Default 30. */
  renewBeforeDays?: number | undefined;
}

const paramsSchema = z
  .object({
    clientName: subjectPart,
    org: z.union([subjectPart, z.array(subjectPart)]).transform((o) => (Array.isArray(o) ? o : [o])).default([]),
    user: accountName,
    path: absolutePath.optional(),
    config: absolutePath.optional(),
    validityPeriod: goDuration.optional(),
    renewBeforeDays: z.number().int().min(0).max(3650).default(30),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, KubeadmKubeconfigUserInput> = paramsSchema;

type Params = z.output<typeof params>;

export interface KubeconfigUserFacts {
  account: UserAccount | null;
  kubeconfig: KubeconfigCertsState | null;
}

interface Generate {
  path: string;
  clientName: string;
  orgs: string[];
  config: string | null;
  validityPeriod: string | null;
  owner: string;
  group: string;
}

export type KubeadmKubeconfigUserChange =
  | Change<'kubeadm_kubeconfig_user.generate', Generate>
  | Change<'kubeadm_kubeconfig_user.attributes', { path: string; owner: string; group: string }>
  | Change<'kubeadm_kubeconfig_user.user_missing', { user: string }>;

function pathFor(p: Params, account: UserAccount): string {
  return p.path ?? `${account.home.replace(/\/$/, '')}/.kube/config`;
}

/**
 * `kubeadm kubeconfig user --client-name N --org O` on a control-plane node, written as a login
 * user's kubeconfig (~/.kube/config unless told), owned by that user, mode 0600. Generated only
 * when absent, or when its certificate for N is not N's with these organisations or expires within
 * renewBeforeDays: the certificate is read on the host by openssl; its key never leaves the host.
 */
export const kubeadmKubeconfigUser = defineModule({
  name: 'kubeadmKubeconfigUser',
  params,
  facts: (p) => ({ account: userAccount(p.user) }),
  async gather(ctx, p, facts): Promise<KubeconfigUserFacts> {
    if (!facts.account) return { account: null, kubeconfig: null };
    const kubeconfig = await ctx.fact(kubeconfigCerts({ path: pathFor(p, facts.account), renewBeforeSeconds: p.renewBeforeDays * 86400 }));
    return { account: facts.account, kubeconfig };
  },
  plan(facts: KubeconfigUserFacts, p): KubeadmKubeconfigUserChange[] {
    if (!facts.account) {
      // On a fresh host an earlier task may create the user: only a real run finds it missing.
      return [{ kind: 'kubeadm_kubeconfig_user.user_missing', target: p.user, summary: `kubeconfig for ${p.clientName} (known after apply: user ${p.user} does not exist yet)`, payload: { user: p.user } }];
    }
    const path = pathFor(p, facts.account);
    const owner = facts.account.name;
    const group = facts.account.group;
    const state = facts.kubeconfig;
    const reason = renewReason(state, p);
    if (reason) {
      return [
        {
          kind: 'kubeadm_kubeconfig_user.generate',
          target: path,
          summary: `${reason}: kubeadm kubeconfig user --client-name ${p.clientName}${p.org.map((o) => ` --org ${o}`).join('')} (${owner}:${group} 0600)`,
          before: state?.exists ? describeCert(state, p.clientName) : null,
          after: subjectOf(p.clientName, p.org),
          payload: { path, clientName: p.clientName, orgs: p.org, config: p.config ?? null, validityPeriod: p.validityPeriod ?? null, owner, group },
        },
      ];
    }
    if (state!.owner !== owner || state!.group !== group || state!.mode !== '0600') {
      return [
        {
          kind: 'kubeadm_kubeconfig_user.attributes',
          target: path,
          summary: `${state!.owner}:${state!.group} ${state!.mode} → ${owner}:${group} 0600`,
          payload: { path, owner, group },
        },
      ];
    }
    return [];
  },
  async apply(ctx, changes) {
    for (const change of changes) {
      switch (change.kind) {
        case 'kubeadm_kubeconfig_user.user_missing':
          throw new MeshbookError('BAD_INPUT', `user ${change.payload.user} does not exist on ${ctx.host}`, { host: ctx.host, hint: 'create the login user first (the user module)' });
        case 'kubeadm_kubeconfig_user.attributes': {
          const { path, owner, group } = change.payload;
          await ctx.exec(ownAndProtect(path, owner, group));
          break;
        }
        case 'kubeadm_kubeconfig_user.generate': {
          const { path, clientName, orgs, config, validityPeriod, owner, group } = change.payload;
          const words = ['--client-name', clientName, ...orgs.flatMap((o) => ['--org', o])];
          if (config) words.push('--config', config);
          if (validityPeriod) words.push('--validity-period', validityPeriod);
          // kubeadm's output (with the client key) goes straight to a 0600 file on the host. The
          // directory is the user's: the temp file is made by mktemp (O_EXCL, so a planted symlink
          // is never followed by root) and renamed over the path (a rename replaces a link, never
          // writes through it).
          const command = sh`umask 077; d="$(dirname -- ${path})"; if [ ! -d "$d" ]; then install -d -m 0700 -o ${owner} -g ${group} -- "$d" || exit 1; fi; t="$(mktemp -- "$d/.kubeconfig.meshbook.XXXXXX")" || exit 1; kubeadm kubeconfig user ${words} >"$t" || { rc=$?; rm -f -- "$t"; exit $rc; }; chown -- ${`${owner}:${group}`} "$t" && chmod 600 -- "$t" && mv -f -- "$t" ${path}`;
          const result = await ctx.run(command);
          if (result.exitCode !== 0) {
            throw kubeadmFailure(ctx.host, `kubeadm kubeconfig user --client-name ${clientName}`, command, result, /ca (certificate|files)|pki/i.test(result.stderr) ? 'run it on a control-plane node (it signs with the cluster CA key)' : undefined);
          }
          break;
        }
      }
    }
  },
  output(facts: KubeconfigUserFacts, p): { path: string | null } {
    return { path: facts.account ? pathFor(p, facts.account) : null };
  },
});

/**
 * chown and chmod 600 of a file in a user's directory, refusing a symlink there: chmod follows
 * links, and root must not change the mode of whatever a user pointed it at.
 */
export function ownAndProtect(path: string, owner: string, group: string) {
  return sh`if [ -L ${path} ]; then echo ${`${path} is a symbolic link: not changing what it points to`} >&2; exit 1; fi; chown -h -- ${`${owner}:${group}`} ${path} && chmod 600 -- ${path}`;
}

function subjectOf(clientName: string, orgs: readonly string[]): string {
  return [`CN=${clientName}`, ...[...orgs].sort().map((o) => `O=${o}`)].join(',');
}

function describeCert(state: KubeconfigCertsState, clientName: string): string {
  const cert = state.certs.find((c) => c.user === clientName);
  if (!cert) return `no client certificate for user ${clientName}`;
  return `${subjectOf(cert.commonName ?? '?', cert.organizations)} (until ${cert.notAfter ?? '?'})`;
}

/** Why the kubeconfig must be (re)generated, or null when its certificate is good. */
export function renewReason(state: KubeconfigCertsState | null, p: { clientName: string; org: readonly string[] }): string | null {
  if (!state?.exists) return 'create';
  const cert = state.certs.find((c) => c.user === p.clientName);
  if (!cert) return `no client certificate for user ${p.clientName}`;
  if (cert.commonName !== p.clientName || cert.organizations.join('\n') !== [...p.org].sort().join('\n')) {
    return `certificate is for ${subjectOf(cert.commonName ?? '?', cert.organizations)}`;
  }
  if (cert.expiring) return `certificate expires soon (${cert.notAfter ?? 'unknown date'})`;
  return null;
}
