import { z } from 'zod';
import { defineModule } from '@meshbook/engine';
import { KubeApi } from './api-client.js';
import { kubeconfigFact } from './kubeconfig.js';
import { maskedObject, objectPath, registerSecretData } from './objects.js';
import type { KubeObject } from './objects.js';
import { credentialsOf, kubeconfigParams } from './resource.js';
import type { KubeTargetInput } from './resource.js';
import type { DocumentedParams } from '../lib/documented-params.js';

/** The kubeResourceInfo task's params as written (an interface, so editors show each field's documentation). */
export interface KubeResourceInfoInput extends KubeTargetInput {
  /** The object's apiVersion ('v1', 'apps/v1'). Ansible (kubernetes.core.k8s_info): api_version. */
  apiVersion: string;
  /** Its kind ('Secret', 'Service'). Ansible: kind. */
  kind: string;
  /** Its name. Ansible: name. */
  name: string;
  /** Its namespace, for namespaced kinds; default 'default'. Ansible: namespace. */
  namespace?: string | undefined;
}

const paramsSchema = z
  .object({
    apiVersion: z.string().regex(/^([a-z0-9.-]+\/)?v[0-9a-z]+$/, "an apiVersion such as 'v1' or 'apps/v1'"),
    kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, "a kind such as 'Secret'"),
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a DNS name'),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name').optional(),
    ...kubeconfigParams,
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, KubeResourceInfoInput> = paramsSchema;

/**
 * Reads one object from a cluster (through the host's SSH connection, as kubeResource): the
 * output is the live object, or null when absent; never a change. A Secret's data values come out
 * as engine Secrets, so the object can be applied on another cluster (kubeResource) without its
 * data ever being printed: the seed's cilium-ca copy.
 */
export const kubeResourceInfo = defineModule({
  name: 'kubeResourceInfo',
  params,
  facts: (p) => ({ kubeconfig: kubeconfigFact({ path: p.kubeconfig, context: p.context }) }),
  async gather(ctx, p, facts): Promise<{ live: KubeObject | null }> {
    const api = new KubeApi(ctx.transport, await credentialsOf(facts.kubeconfig, ctx), ctx.signal);
    const resource = await api.resourceFor(p.apiVersion, p.kind);
    if (!resource) return { live: null };
    const path = objectPath(p.apiVersion, resource.plural, resource.namespaced ? (p.namespace ?? 'default') : undefined, p.name);
    const got = await api.expect<KubeObject>({ method: 'GET', path }, (s) => s === 200 || s === 404);
    const live = got.status === 200 ? got.body : null;
    registerSecretData(live);
    return { live };
  },
  plan: () => [],
  async apply() {
    return null;
  },
  output: (facts) => maskedObject(facts.live),
});
