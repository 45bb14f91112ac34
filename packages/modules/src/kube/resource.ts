import { z } from 'zod';
import type { DocumentedParams } from '../lib/documented-params.js';
import { MeshbookError, defineModule } from '@meshbook/engine';
import type { Change, ModuleContext } from '@meshbook/engine';
import { KubeApi, apiError } from './api-client.js';
import { DEFAULT_KUBECONFIG, kubeconfigFact, resolveCredentials } from './kubeconfig.js';
import type { KubeconfigRead, KubeCredentials } from './kubeconfig.js';
import {
  comparable, declaredObject, describeObject, fieldChanges, isSecretKind, maskedObject, objectPath, ownership, registerSecretData, renderFields,
} from './objects.js';
import type { KubeObject } from './objects.js';
import { waitFor, waitMet, waitSchema } from './wait.js';

export const FIELD_MANAGER = 'meshbook';

const dnsName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const objectSchema = z.custom<KubeObject>(
  (v) => {
    const o = v as Partial<KubeObject> | null;
    return (
      typeof o === 'object' && o !== null && typeof o.apiVersion === 'string' && /^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(o.apiVersion) &&
      typeof o.kind === 'string' && /^[A-Z][A-Za-z0-9]*$/.test(o.kind) &&
      typeof o.metadata === 'object' && o.metadata !== null && typeof o.metadata.name === 'string' && dnsName.test(o.metadata.name) && o.metadata.name.length <= 253 &&
      (o.metadata.namespace === undefined || (typeof o.metadata.namespace === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.metadata.namespace)))
    );
  },
  { message: "a Kubernetes object: apiVersion ('v1', 'apps/v1'), kind ('Service'), metadata.name (a DNS name) and optionally metadata.namespace" },
);

/** Which kubeconfig on the host gives the API's address and credentials. */
export const kubeconfigParams = {
  kubeconfig: z.union([z.literal(DEFAULT_KUBECONFIG), z.string().regex(/^\/[^\0\n]*$/, 'an absolute path on the host')]).default(DEFAULT_KUBECONFIG),
  context: z.string().min(1).optional(),
};

/** Which cluster a kube task talks to (docs shown on hover in every module that takes them). */
export interface KubeTargetInput {
  /** Absolute path of a kubeconfig on the host; default ~/.kube/config of the login user. Ansible (kubernetes.core): kubeconfig. */
  kubeconfig?: string | undefined;
  /** A context of that kubeconfig; default its current-context. Ansible (kubernetes.core): context. */
  context?: string | undefined;
}

/** What kubeResource's `wait` asks of the object (give condition, or loadBalancerIngress: true). */
export interface KubeWaitInput {
  /** A status condition's type that must have `status` ('Ready', 'Available', 'Established'). */
  condition?: string | undefined;
  /** The condition's status to wait for. Default 'True'. */
  status?: 'True' | 'False' | 'Unknown' | undefined;
  /** A LoadBalancer Service has an ingress address (status.loadBalancer.ingress[0]). */
  loadBalancerIngress?: boolean | undefined;
  /** How long to wait before failing. Default 120. */
  timeoutSeconds?: number | undefined;
}

/** The kubeResource task's params as written (an interface, so editors show each field's documentation). */
export interface KubeResourceInput extends KubeTargetInput {
  /** The object, as a typed model or a plain object (custom resources). */
  object: KubeObject;
  /** 'present' (default): applied server-side; 'absent': deleted. */
  state?: 'present' | 'absent' | undefined;
  /** Take over fields another field manager owns (server-side apply's force), as `kubectl apply --server-side --force-conflicts`. Default false. */
  forceConflicts?: boolean | undefined;
  /** After apply (or when already as declared): wait until the object meets this. */
  wait?: KubeWaitInput | undefined;
}

const paramsSchema = z
  .object({
    object: objectSchema,
    state: z.enum(['present', 'absent']).default('present'),
    ...kubeconfigParams,
    forceConflicts: z.boolean().default(false),
    wait: waitSchema.optional(),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, KubeResourceInput> = paramsSchema;

type Params = z.output<typeof params>;

/** What plan reads: the live object and what server-side apply would make of it (a dry run). */
export interface KubeResourceFacts {
  /** The object's display name and REST path; null path when the API does not serve the kind. */
  name: string;
  path: string | null;
  namespace: string | undefined;
  live: KubeObject | null;
  /** The dry run's result; null when it could not run (kind not served yet, namespace missing). */
  dryRun: KubeObject | null;
  /** Why there is no dry run. */
  unverified?: string;
}

export type KubeResourceChange =
  | Change<'kubeResource.apply', { path: string; object: KubeObject; force: boolean; create: boolean }>
  | Change<'kubeResource.delete', { path: string }>;

/** The live object (a Secret's data as engine Secrets), or null when absent. */
export type KubeResourceOutput = KubeObject | null;

/** The credentials of the kubeconfig read on the host, with the files it names read there too. */
export async function credentialsOf(read: KubeconfigRead, ctx: Pick<ModuleContext, 'fact' | 'host'>): Promise<KubeCredentials> {
  const { host } = ctx;
  if (read.status === 'missing') {
    throw new MeshbookError('MODULE_FAILED', `no kubeconfig at ${read.path === DEFAULT_KUBECONFIG ? '~/.kube/config' : read.path} on ${host}`, {
      host,
      hint: 'give `kubeconfig` (e.g. /etc/kubernetes/admin.conf on a kubeadm control plane), or write one first (kubeadm kubeconfig user)',
    });
  }
  return resolveCredentials(ctx, read.credentials);
}

/** The API client of a task: the kubeconfig fact (cached for the run) and a forward from the host. */
export async function kubeApiFor(ctx: ModuleContext, p: { kubeconfig: string; context?: string | undefined }): Promise<KubeApi> {
  const read = await ctx.fact(kubeconfigFact({ path: p.kubeconfig, context: p.context }));
  return new KubeApi(ctx.transport, await credentialsOf(read, ctx), ctx.signal);
}

/** Where the object lives: its namespace (default 'default' for namespaced kinds) and REST path. */
async function locate(api: KubeApi, object: KubeObject): Promise<{ path: string | null; namespace: string | undefined }> {
  const resource = await api.resourceFor(object.apiVersion, object.kind);
  if (!resource) return { path: null, namespace: object.metadata.namespace };
  const namespace = resource.namespaced ? (object.metadata.namespace ?? 'default') : undefined;
  return { path: objectPath(object.apiVersion, resource.plural, namespace, object.metadata.name), namespace };
}

function applyQuery(force: boolean, dryRun: boolean): Record<string, string | undefined> {
  return { fieldManager: FIELD_MANAGER, force: force ? 'true' : undefined, dryRun: dryRun ? 'All' : undefined, fieldValidation: 'Strict' };
}

/**
 * A Kubernetes object, applied with server-side apply (field manager `meshbook`) through the
 * host's SSH connection: a TCP forward from the host to the API endpoint of a kubeconfig there,
 * so an API on a private address needs neither kubectl nor exposure. The change is judged by a
 * server-side dry run compared with the live object (so defaults and other managers' fields never
 * show as changes); check mode is that dry run. `state: absent` deletes. `wait` polls a condition
 * or a LoadBalancer address. The output is the live object; a Secret's data never leaves as text.
 */
export const kubeResource = defineModule({
  name: 'kubeResource',
  params,
  facts: (p) => ({ kubeconfig: kubeconfigFact({ path: p.kubeconfig, context: p.context }) }),
  async gather(ctx, p, facts): Promise<KubeResourceFacts> {
    registerSecretData(p.object);
    const api = new KubeApi(ctx.transport, await credentialsOf(facts.kubeconfig, ctx), ctx.signal);
    const { path, namespace } = await locate(api, p.object);
    const name = describeObject(p.object, namespace);
    if (path === null) {
      return { name, path, namespace, live: null, dryRun: null, unverified: `the API server does not serve ${p.object.apiVersion} ${p.object.kind} (yet)` };
    }
    const got = await api.expect<KubeObject>({ method: 'GET', path }, (s) => s === 200 || s === 404);
    let live = got.status === 200 ? got.body : null;
    registerSecretData(live);
    if (p.state === 'absent') return { name, path, namespace, live, dryRun: null };
    const body = declaredObject(p.object, namespace);
    const dry = await api.request<KubeObject>({ method: 'PATCH', path, query: applyQuery(p.forceConflicts, true), body, contentType: 'application/apply-patch+yaml' });
    if (dry.status === 404 && live === null) {
      return { name, path, namespace, live, dryRun: null, unverified: `namespace ${namespace ?? ''} does not exist (yet)` };
    }
    if (dry.status < 200 || dry.status >= 300) throw apiError(ctx.host, { method: 'PATCH', path: `${path} (server-side apply, dry run)` }, dry);
    registerSecretData(dry.body);
    // Already as declared: a wait is a read, done here so that no change is needed to wait.
    if (p.wait && live && !hasChanges(live, dry.body) && !waitMet(live, p.wait).met) live = await waitFor(api, path, live, p.wait, name, ctx.signal);
    return { name, path, namespace, live, dryRun: dry.body };
  },
  plan(facts: KubeResourceFacts, p): KubeResourceChange[] {
    const { name, live, dryRun } = facts;
    const secret = isSecretKind(p.object);
    if (p.state === 'absent') {
      if (!live || !facts.path) return [];
      return [{ kind: 'kubeResource.delete', target: name, summary: `delete ${name}`, before: 'present', after: null, payload: { path: facts.path } }];
    }
    const declared = declaredObject(p.object, facts.namespace);
    const payload = { path: facts.path ?? '', object: declared, force: p.forceConflicts, create: live === null };
    if (!live) {
      const shown = fieldChanges({}, comparable(dryRun ?? declared));
      const note = facts.unverified ? ` (not verified by the API: ${facts.unverified})` : '';
      return [{ kind: 'kubeResource.apply', target: name, summary: `create ${name}${note}`, before: null, after: renderFields(shown, 'after', secret), payload }];
    }
    if (!dryRun) return [];
    const fields = fieldChanges(comparable(live), comparable(dryRun));
    if (fields.length === 0) {
      if (JSON.stringify(ownership(live)) === JSON.stringify(ownership(dryRun))) return [];
      return [{ kind: 'kubeResource.apply', target: name, summary: `${name}: field manager ${FIELD_MANAGER} takes ownership of its fields (values unchanged)`, payload }];
    }
    const paths = fields.map((f) => f.path);
    const list = paths.length > 6 ? `${paths.slice(0, 6).join(', ')}, … (${paths.length} fields)` : paths.join(', ');
    return [{ kind: 'kubeResource.apply', target: name, summary: `update ${name}: ${list}`, before: renderFields(fields, 'before', secret), after: renderFields(fields, 'after', secret), payload }];
  },
  async apply(ctx, changes, p): Promise<KubeResourceOutput> {
    const api = await kubeApiFor(ctx, p);
    let output: KubeObject | null = null;
    for (const change of changes) {
      switch (change.kind) {
        case 'kubeResource.delete': {
          await api.expect({ method: 'DELETE', path: change.payload.path, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } }, (s) => (s >= 200 && s < 300) || s === 404);
          output = null;
          break;
        }
        case 'kubeResource.apply': {
          const { object, force, create } = change.payload;
          let path = change.payload.path;
          // Planned before the kind (a CRD's) or namespace existed: located now.
          if (!path) {
            const located = await locate(api, object);
            if (!located.path) {
              throw new MeshbookError('MODULE_FAILED', `the API server does not serve ${object.apiVersion} ${object.kind}`, {
                host: ctx.host,
                hint: create ? 'install the CustomResourceDefinition (or the chart that brings it) before this task' : undefined,
              });
            }
            path = located.path;
          }
          const res = await api.expect<KubeObject>({ method: 'PATCH', path, query: applyQuery(force, false), body: object, contentType: 'application/apply-patch+yaml' });
          output = res.body;
          registerSecretData(output);
          if (p.wait) output = await waitFor(api, path, output, p.wait, describeObject(object, object.metadata.namespace), ctx.signal);
          break;
        }
      }
    }
    return maskedObject(output);
  },
  output: (facts) => maskedObject(facts.live),
});

function hasChanges(live: KubeObject, dryRun: KubeObject): boolean {
  return fieldChanges(comparable(live), comparable(dryRun)).length > 0 || JSON.stringify(ownership(live)) !== JSON.stringify(ownership(dryRun));
}

export type KubeResourceParams = z.input<typeof params>;
export type { Params as KubeResourceParsedParams };
