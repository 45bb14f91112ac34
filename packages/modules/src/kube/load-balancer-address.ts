import { z } from 'zod';
import { MeshbookError, defineModule } from '@meshbook/engine';
import { KubeApi } from './api-client.js';
import { kubeconfigFact } from './kubeconfig.js';
import type { KubeObject } from './objects.js';
import { credentialsOf, kubeconfigParams } from './resource.js';
import type { KubeTargetInput } from './resource.js';
import type { DocumentedParams } from '../lib/documented-params.js';
import { waitFor } from './wait.js';

const dnsName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The kubeLoadBalancerAddress task's params as written (an interface, so editors show each field's documentation). */
export interface KubeLoadBalancerAddressInput extends KubeTargetInput {
  /** The Service ('clustermesh-apiserver'): type LoadBalancer, its address given by the cluster's load balancer (MetalLB). */
  name: string;
  /** Its namespace. Default 'default'. */
  namespace?: string | undefined;
  /** Which of its ports, by name ('apiserv'); default the first. */
  port?: string | undefined;
  /** How long to wait for the load balancer to give it an address, 1 to 3600 seconds. Default 120. */
  timeoutSeconds?: number | undefined;
}

const paramsSchema = z
  .object({
    name: z.string().regex(dnsName, 'a Service name such as clustermesh-apiserver'),
    namespace: z.string().regex(dnsName, 'a namespace name').default('default'),
    port: z.string().regex(dnsName, 'a port name such as apiserv').optional(),
    timeoutSeconds: z.number().int().min(1).max(3600).default(120),
    ...kubeconfigParams,
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, KubeLoadBalancerAddressInput> = paramsSchema;

/** Where other clusters reach a LoadBalancer Service: its ingress IP and its port. */
export interface LoadBalancerAddress {
  address: string;
  port: number;
}

/** The address and port of a LoadBalancer Service that has been given one; what it lacks otherwise. */
export function loadBalancerAddressOf(service: KubeObject, portName?: string): LoadBalancerAddress | { lacking: string } {
  const spec = (service['spec'] ?? {}) as { type?: string; ports?: Array<{ name?: string; port?: number }> };
  const status = (service['status'] ?? {}) as { loadBalancer?: { ingress?: Array<{ ip?: string }> } };
  if (spec.type !== 'LoadBalancer') return { lacking: `type LoadBalancer (it is ${spec.type ?? 'ClusterIP'})` };
  const port = portName === undefined ? spec.ports?.[0] : spec.ports?.find((p) => p.name === portName);
  if (port?.port === undefined) return { lacking: portName === undefined ? 'a port' : `a port named ${portName}` };
  const address = status.loadBalancer?.ingress?.find((i) => i.ip)?.ip;
  if (address === undefined) return { lacking: 'a LoadBalancer ingress address (pending: no pool has a free address?)' };
  return { address, port: port.port };
}

/**
 * Reads where a LoadBalancer Service is reached (seed 004-08: the clustermesh-apiserver's address
 * MetalLB gave it), waiting until the load balancer has given one. A read, never a change: its
 * output is the typed value other hosts' tasks use (the OpenStack ports, the mesh endpoints).
 */
export const kubeLoadBalancerAddress = defineModule({
  name: 'kubeLoadBalancerAddress',
  params,
  facts: (p) => ({ kubeconfig: kubeconfigFact({ path: p.kubeconfig, context: p.context }) }),
  async gather(ctx, p, facts): Promise<LoadBalancerAddress> {
    const api = new KubeApi(ctx.transport, await credentialsOf(facts.kubeconfig, ctx), ctx.signal);
    const path = `/api/v1/namespaces/${p.namespace}/services/${p.name}`;
    const what = `Service ${p.namespace}/${p.name}`;
    const got = await api.expect<KubeObject>({ method: 'GET', path }, (s) => s === 200 || s === 404);
    if (got.status === 404) {
      throw new MeshbookError('MODULE_FAILED', `${what} does not exist on ${ctx.host}'s cluster`, { host: ctx.host, hint: 'create it first (cilium clustermesh enable --service-type LoadBalancer)' });
    }
    const first = loadBalancerAddressOf(got.body, p.port);
    if ('lacking' in first && first.lacking.startsWith('type')) {
      throw new MeshbookError('MODULE_FAILED', `${what} has no LoadBalancer address: it is not of ${first.lacking}`, {
        host: ctx.host,
        hint: 'make it type LoadBalancer (cilium clustermesh enable --service-type LoadBalancer); a NodePort or ClusterIP Service gets no load balancer address',
      });
    }
    const ready = await waitFor(api, path, got.body, { loadBalancerIngress: true, status: 'True', timeoutSeconds: p.timeoutSeconds }, what, ctx.signal);
    const found = loadBalancerAddressOf(ready, p.port);
    if ('lacking' in found) throw new MeshbookError('MODULE_FAILED', `${what} lacks ${found.lacking}`, { host: ctx.host });
    return found;
  },
  plan: () => [],
  async apply() {
    return null;
  },
  output: (facts) => facts,
});
