import { z } from 'zod';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { ciliumErrorLine, ciliumFailure, ciliumTargetShape, clustermeshStatus, describeTarget, parseClustermeshStatus, runCilium, targetArgs } from './cilium-cli.js';
import type { CiliumTarget, ClustermeshState } from './cilium-cli.js';
import type { DocumentedParams } from '../lib/documented-params.js';

const serviceType = z.enum(['NodePort', 'LoadBalancer']);
const endpoint = z.string().regex(/^[0-9.]+:\d{1,5}$|^\[[0-9a-f:]+\]:\d{1,5}$/i, 'an address:port such as 10.7.0.4:32379');
const clusterName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, 'a Cilium cluster name such as cluster-kzh (lowercase, at most 32 characters)');

/** The ciliumClustermesh task's params as written (an interface, so editors show each field's documentation). */
export interface CiliumClustermeshInput extends CiliumTarget {
  /** How the clustermesh-apiserver is exposed (--service-type); required, as cilium-cli auto-detects only on GKE/AKS/EKS. */
  serviceType: 'NodePort' | 'LoadBalancer';
  /** How long `cilium clustermesh enable` may take. Default 600. */
  timeoutSeconds?: number | undefined;
}

const enableParamsSchema = z
  .object({
    ...ciliumTargetShape,
    serviceType,
    timeoutSeconds: z.number().int().min(1).default(600),
  })
  .strict();
const enableParams: DocumentedParams<typeof enableParamsSchema, CiliumClustermeshInput> = enableParamsSchema;

export type ClustermeshEnableChange = Change<'cilium.clustermesh_enable', { serviceType: 'NodePort' | 'LoadBalancer' }>;

/** In check mode on a host where cilium-cli or the cluster is not there yet, the plan is the change an earlier task makes possible. */
const notYet = (s: ClustermeshState) => (s.state === 'unavailable' ? ` (${s.reason} yet)` : '');

/**
 * `cilium clustermesh enable --service-type` (seed 000-18 NodePort, seed 004 LoadBalancer): run
 * only when `clustermesh status` says clustermesh is not enabled, or exposed by another type.
 */
export const ciliumClustermesh = defineModule({
  name: 'ciliumClustermesh',
  params: enableParams,
  facts: (p) => clustermeshStatus({ kubeconfig: p.kubeconfig, context: p.context }),
  plan(state, p): ClustermeshEnableChange[] {
    const current = state.state === 'enabled' ? state.status.access_information?.service_type ?? null : null;
    if (current === p.serviceType) return [];
    return [
      {
        kind: 'cilium.clustermesh_enable',
        target: describeTarget(p),
        summary: current ? `clustermesh-apiserver service ${current} → ${p.serviceType}` : `cilium clustermesh enable --service-type ${p.serviceType}${notYet(state)}`,
        before: current,
        after: p.serviceType,
        payload: { serviceType: p.serviceType },
      },
    ];
  },
  async apply(ctx, changes, p) {
    for (const { payload } of changes) {
      await runCilium(ctx, `enabling clustermesh in ${describeTarget(p)}`, sh`cilium clustermesh enable ${targetArgs(p)} --service-type ${payload.serviceType}`, p.timeoutSeconds * 1000);
    }
  },
});

/** The ciliumClustermeshConnect task's params as written (an interface, so editors show each field's documentation). */
export interface CiliumClustermeshConnectInput extends CiliumTarget {
  /** The other cluster's context, in the same kubeconfig: --destination-context. */
  destinationContext: string;
  /** The other cluster's Cilium cluster name, as `clustermesh status` lists it: how an existing connection is recognised. */
  destinationCluster: string;
  /** address:port where the other cluster reaches this one's clustermesh-apiserver, when not its advertised address (a WireGuard address): --source-endpoint. */
  sourceEndpoint?: string | undefined;
  /** address:port where this cluster reaches the other's clustermesh-apiserver: --destination-endpoint. */
  destinationEndpoint?: string | undefined;
  /** After connecting, wait up to this long until every node is connected (clustermesh status --wait); 0: no wait. Default 300. */
  waitSeconds?: number | undefined;
}

const connectParamsSchema = z
  .object({
    ...ciliumTargetShape,
    destinationContext: z.string().regex(/^[^\s'"]+$/, 'a context name such as kubernetes-admin-kzh@cluster-kzh'),
    destinationCluster: clusterName,
    sourceEndpoint: endpoint.optional(),
    destinationEndpoint: endpoint.optional(),
    waitSeconds: z.number().int().min(0).max(3600).default(300),
  })
  .strict();
const connectParams: DocumentedParams<typeof connectParamsSchema, CiliumClustermeshConnectInput> = connectParamsSchema;

export type ClustermeshConnectChange = Change<'cilium.clustermesh_connect', { destinationContext: string; sourceEndpoint?: string | undefined; destinationEndpoint?: string | undefined }>;

/**
 * `cilium clustermesh connect --context A --destination-context B` (seed 000-20): run only when
 * A's `clustermesh status` has no configured connection to B yet; then `clustermesh status
 * --wait` until the nodes are connected. Connecting is both ways (cilium-cli's default), so one
 * task per pair of clusters.
 */
export const ciliumClustermeshConnect = defineModule({
  name: 'ciliumClustermeshConnect',
  params: connectParams,
  facts: (p) => clustermeshStatus({ kubeconfig: p.kubeconfig, context: p.context }),
  plan(state, p): ClustermeshConnectChange[] {
    const peer = state.state === 'enabled' ? state.status.connectivity?.clusters?.[p.destinationCluster] : undefined;
    if (peer && (peer.configured ?? 0) > 0) return [];
    return [
      {
        kind: 'cilium.clustermesh_connect',
        target: `${describeTarget(p)} ↔ ${p.destinationContext}`,
        summary: `cilium clustermesh connect --destination-context ${p.destinationContext}${notYet(state)}`,
        before: null,
        after: p.destinationCluster,
        payload: { destinationContext: p.destinationContext, sourceEndpoint: p.sourceEndpoint, destinationEndpoint: p.destinationEndpoint },
      },
    ];
  },
  async apply(ctx, changes, p) {
    for (const { payload } of changes) {
      const endpoints = [
        ...(payload.sourceEndpoint ? ['--source-endpoint', payload.sourceEndpoint] : []),
        ...(payload.destinationEndpoint ? ['--destination-endpoint', payload.destinationEndpoint] : []),
      ];
      const command = sh`cilium clustermesh connect ${targetArgs(p)} --destination-context ${payload.destinationContext} ${endpoints}`;
      const result = await ctx.run(command);
      if (result.exitCode !== 0) throw connectFailure(ctx.host, p, payload.destinationContext, command, result);
      if (p.waitSeconds > 0) await waitConnected(ctx, p, p.waitSeconds);
    }
  },
});

/**
 * cilium-cli's connect failures that have a known fix: a side whose clustermesh is not enabled
 * (`❌ Unable to retrieve access information of remote cluster "x": unable to get clustermesh
 * service …`), and clusters that do not share the cilium CA.
 */
function connectFailure(host: string, p: { context?: string | undefined; kubeconfig: string }, destinationContext: string, command: ReturnType<typeof sh>, result: { exitCode: number; stdout: string; stderr: string }): MeshbookError {
  const what = `connecting ${describeTarget(p)} to ${destinationContext}`;
  const text = `${result.stdout}\n${result.stderr}`;
  const error = ciliumErrorLine(result.stderr);
  const details = { host, command: command.display, exitCode: result.exitCode, stderr: result.stderr, stdout: result.stdout };
  const side = /Unable to retrieve access information of (remote|local) cluster "([^"]*)"/.exec(text);
  if (side && /unable to get clustermesh service/i.test(text)) {
    const where = side[1] === 'remote' ? destinationContext : describeTarget(p);
    return new MeshbookError('MODULE_FAILED', `${what}: clustermesh is not enabled in ${where} (cluster ${side[2]}): ${error}`, {
      ...details,
      hint: `enable clustermesh in ${where} (cluster ${side[2]}) first: a ciliumClustermesh task on that cluster's master before ciliumClustermeshConnect`,
    });
  }
  if (/CA certificates do not match/.test(error)) {
    return new MeshbookError('MODULE_FAILED', `${what}: ${error}`, {
      ...details,
      hint: 'copy one cluster\'s kube-system/cilium-ca Secret into the other (kubeResourceInfo + kubeResource) before enabling clustermesh there',
    });
  }
  return ciliumFailure(host, what, command, result);
}

async function waitConnected(ctx: Parameters<typeof runCilium>[0], p: { kubeconfig: string; context?: string | undefined }, seconds: number): Promise<void> {
  const command = sh`cilium clustermesh status ${targetArgs(p)} --wait --wait-duration ${`${seconds}s`}`;
  const result = await ctx.run(command, { timeoutMs: (seconds + 60) * 1000 });
  if (result.exitCode !== 0) throw notConnected(ctx.host, p, command, result);
}

/** The nodes' reasons, as cilium-cli prints them: `❌ <node> is not connected to cluster <peer>: <reason>`. */
function notConnected(host: string, p: { context?: string | undefined; kubeconfig: string }, command: ReturnType<typeof sh>, result: { exitCode: number; stdout: string; stderr: string }): MeshbookError {
  const reasons = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => /is not connected to cluster/.test(l)).map((l) => l.replace(/^\W+/, '').trim());
  const peers = [...new Set(reasons.map((r) => /to cluster (\S+?):/.exec(r)?.[1]).filter(Boolean))];
  if (peers.length === 0) return ciliumFailure(host, `clustermesh status in ${describeTarget(p)}`, command, result);
  return new MeshbookError('MODULE_FAILED', `ClusterMesh: ${describeTarget(p)} cannot reach ${peers.join(', ')}: ${reasons.join('; ')}`, {
    host,
    command: command.display,
    exitCode: result.exitCode,
    hint: 'check that the clusters share the cilium-ca Secret (and clustermesh was enabled again after copying it), that the peer endpoint routes (WireGuard, /etc/hosts), and the contexts',
  });
}

/** The ciliumClustermeshStatus task's params as written (an interface, so editors show each field's documentation). */
export interface CiliumClustermeshStatusInput extends CiliumTarget {
  /** The Cilium cluster names this one must be connected to, on all its nodes. */
  peers: string[];
  /** How long `clustermesh status --wait` may wait for the connections, 1 to 3600 seconds. Default 120. */
  waitSeconds?: number | undefined;
}

const statusParamsSchema = z
  .object({
    ...ciliumTargetShape,
    peers: z.array(clusterName).min(1),
    waitSeconds: z.number().int().min(1).max(3600).default(120),
  })
  .strict();
const statusParams: DocumentedParams<typeof statusParamsSchema, CiliumClustermeshStatusInput> = statusParamsSchema;

/**
 * A check, never a change: `cilium clustermesh status --wait` passes, and every peer is connected
 * on all nodes. Fails naming which cluster cannot reach which, with cilium-cli's reasons.
 */
export const ciliumClustermeshStatus = defineModule({
  name: 'ciliumClustermeshStatus',
  params: statusParams,
  async gather(ctx, p): Promise<{ connected: Record<string, string> }> {
    const command = sh`cilium clustermesh status ${targetArgs(p)} --wait --wait-duration ${`${p.waitSeconds}s`}`;
    const waited = await ctx.run(command, { timeoutMs: (p.waitSeconds + 60) * 1000 });
    if (waited.exitCode !== 0) throw notConnected(ctx.host, p, command, waited);
    const json = await ctx.run(sh`cilium clustermesh status ${targetArgs(p)} -o json`);
    const state = parseClustermeshStatus(json);
    if (state.state !== 'enabled') {
      throw new MeshbookError('MODULE_FAILED', `ClusterMesh: ${describeTarget(p)}: ${state.state === 'disabled' ? 'clustermesh is not enabled' : state.reason}`, { host: ctx.host });
    }
    const clusters = state.status.connectivity?.clusters ?? {};
    const connected: Record<string, string> = {};
    const missing: string[] = [];
    for (const peer of p.peers) {
      const c = clusters[peer];
      const [n, of] = [c?.connected ?? 0, c?.configured ?? 0];
      if (!c || of === 0 || n < of) missing.push(`${peer} (${n}/${of} connected)`);
      connected[peer] = `${n}/${of}`;
    }
    if (missing.length > 0) {
      throw new MeshbookError('MODULE_FAILED', `ClusterMesh: ${describeTarget(p)} cannot reach ${missing.join(', ')}`, { host: ctx.host, hint: 'connect the clusters (ciliumClustermeshConnect) and check the shared cilium-ca' });
    }
    return { connected };
  },
  plan: () => [] as Change<'cilium.none', null>[],
  apply: async () => undefined,
  output: (facts) => facts,
});
