import { z } from 'zod';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change, ModuleContext } from '@meshbook/engine';
import type { CiliumTarget } from './cilium-cli.js';
import { ciliumTargetShape, describeTarget, targetArgs } from './cilium-cli.js';
import type { DocumentedParams } from '../lib/documented-params.js';

// Read-only checks for seed 000-21 / 004-11. What the clusters import from each other follows
// within seconds (the agents, or the lab's clustermesh-apiserver, sync continuously), so each
// check polls until it holds or its time is up, then fails saying what is missing where.

const clusterName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, 'a Cilium cluster name such as cluster-kzh');
const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';

interface Listed {
  items?: Array<{ metadata?: { name?: string; labels?: Record<string, string> }; endpoints?: Array<{ conditions?: { ready?: boolean } }> }>;
}

async function kubectlList(ctx: ModuleContext, p: { kubeconfig: string; context?: string | undefined }, args: string[]): Promise<Listed> {
  const command = sh`kubectl ${targetArgs(p)} get ${args} -o json`;
  const result = await ctx.run(command);
  if (result.exitCode !== 0) {
    throw new MeshbookError('MODULE_FAILED', `kubectl get ${args.join(' ')} in ${describeTarget(p)}: ${result.stderr.trim() || `exit ${result.exitCode}`}`, { host: ctx.host, command: command.display });
  }
  return JSON.parse(result.stdout) as Listed;
}

async function poll<T>(seconds: number, read: () => Promise<T>, holds: (value: T) => boolean): Promise<{ value: T; held: boolean }> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await read();
    if (holds(value) || Date.now() >= deadline) return { value, held: holds(value) };
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** The ciliumMeshNodes task's params as written (an interface, so editors show each field's documentation). */
export interface CiliumMeshNodesInput extends CiliumTarget {
  /** Cilium cluster names whose nodes this cluster must list (its own and its peers). */
  clusters: string[];
  /** How long to keep polling until every cluster's nodes are listed, 0 to 3600 seconds. Default 60. */
  timeoutSeconds?: number | undefined;
}

const nodesParamsSchema = z
  .object({
    ...ciliumTargetShape,
    clusters: z.array(clusterName).min(1),
    timeoutSeconds: z.number().int().min(0).max(3600).default(60),
  })
  .strict();
const nodesParams: DocumentedParams<typeof nodesParamsSchema, CiliumMeshNodesInput> = nodesParamsSchema;

/**
 * The node list includes every cluster's nodes (`cilium node list` on an agent; here the
 * CiliumNode objects, labelled with their cluster). A check: never a change.
 */
export const ciliumMeshNodes = defineModule({
  name: 'ciliumMeshNodes',
  params: nodesParams,
  async gather(ctx, p): Promise<Record<string, string[]>> {
    const byCluster = (listed: Listed) => {
      const out: Record<string, string[]> = Object.fromEntries(p.clusters.map((c) => [c, [] as string[]]));
      for (const item of listed.items ?? []) {
        const cluster = item.metadata?.labels?.[CLUSTER_LABEL];
        if (cluster && out[cluster]) out[cluster]!.push(item.metadata?.name ?? '');
      }
      return out;
    };
    const { value, held } = await poll(p.timeoutSeconds, async () => byCluster(await kubectlList(ctx, p, ['ciliumnodes.cilium.io'])), (v) => Object.values(v).every((n) => n.length > 0));
    if (!held) {
      const missing = Object.entries(value).filter(([, n]) => n.length === 0).map(([c]) => c);
      throw new MeshbookError('MODULE_FAILED', `ClusterMesh: ${describeTarget(p)} lists no nodes of ${missing.join(', ')} after ${p.timeoutSeconds} s (it cannot reach them)`, {
        host: ctx.host,
        hint: 'check `cilium clustermesh status` there: the clusters must be connected',
      });
    }
    return value;
  },
  plan: () => [] as Change<'cilium.none', null>[],
  apply: async () => undefined,
  output: (facts) => facts,
});

/** The ciliumGlobalServiceBackends task's params as written (an interface, so editors show each field's documentation). */
export interface CiliumGlobalServiceBackendsInput extends CiliumTarget {
  /** The global Service's name (annotated service.cilium.io/global: "true" in every cluster). */
  service: string;
  /** Its namespace. Default 'default'. */
  namespace?: string | undefined;
  /** By Cilium cluster name: whether the service must have ready backends there (true) or none (false). */
  expect: Record<string, boolean>;
  /** How long to keep polling until the backends are as expected, 0 to 3600 seconds. Default 60. */
  timeoutSeconds?: number | undefined;
}

const backendsParamsSchema = z
  .object({
    ...ciliumTargetShape,
    service: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a Service name'),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace').default('default'),
    expect: z.record(clusterName, z.boolean()),
    timeoutSeconds: z.number().int().min(0).max(3600).default(60),
  })
  .strict();
const backendsParams: DocumentedParams<typeof backendsParamsSchema, CiliumGlobalServiceBackendsInput> = backendsParamsSchema;

/**
 * A global service's backends per cluster (one EndpointSlice per cluster, labelled with it), as
 * `expect` says: backends of both clusters, or after scaling one to 0 only the other's. A check.
 */
export const ciliumGlobalServiceBackends = defineModule({
  name: 'ciliumGlobalServiceBackends',
  params: backendsParams,
  async gather(ctx, p): Promise<Record<string, number>> {
    const count = (listed: Listed) => {
      const out: Record<string, number> = Object.fromEntries(Object.keys(p.expect).map((c) => [c, 0]));
      for (const slice of listed.items ?? []) {
        const cluster = slice.metadata?.labels?.[CLUSTER_LABEL];
        if (cluster && cluster in out) out[cluster]! += (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
      }
      return out;
    };
    const holds = (v: Record<string, number>) => Object.entries(p.expect).every(([c, want]) => (v[c]! > 0) === want);
    const { value, held } = await poll(p.timeoutSeconds, async () => count(await kubectlList(ctx, p, ['endpointslices.discovery.k8s.io', '-n', p.namespace, '-l', `kubernetes.io/service-name=${p.service}`])), holds);
    if (!held) {
      const wrong = Object.entries(p.expect)
        .filter(([c, want]) => (value[c]! > 0) !== want)
        .map(([c, want]) => `${c}: ${value[c]} ready backends, expected ${want ? 'some' : 'none'}`);
      throw new MeshbookError('MODULE_FAILED', `ClusterMesh: global service ${p.namespace}/${p.service} seen from ${describeTarget(p)}: ${wrong.join('; ')}`, {
        host: ctx.host,
        hint: 'the service needs the annotation service.cilium.io/global: "true" in every cluster, and the clusters connected',
      });
    }
    return value;
  },
  plan: () => [] as Change<'cilium.none', null>[],
  apply: async () => undefined,
  output: (facts) => facts,
});
