// `cilium clustermesh status [--wait] [--wait-duration] [-o json]`. Connected means a real
// mutual-TLS exchange from this host to each configured peer's endpoint, with this cluster's
// agent certificate and CA: the agents would do the same from each node. The lab runs no agents,
// so each node counts as connected exactly when that exchange succeeds.
import { resources, type KubeClient, type KubeObject } from '../kube-client.js';
import { FatalError, sleep, type CommandContext } from '../context.js';
import {
  extractAccessInformation,
  readAgentClientMaterial,
  readCaPem,
  readClusterIdentity,
  readPeers,
  requestPeer,
  type AccessInformation,
} from '../../clustermesh/cluster-state.js';
import { listGlobalServices, type MeshService } from '../../clustermesh/local-state.js';
import { deploymentName } from '../../clustermesh/names.js';
import { connectivityLines, statusJson, summarize, type AgentView, type Connectivity } from '../output.js';

type DeploymentObj = KubeObject & { spec?: { replicas?: number }; status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number } };

export async function checkDeploymentStatus(client: KubeClient, ns: string, name: string): Promise<void> {
  const d = await client.get<DeploymentObj>(resources.deployments, ns, name);
  const want = d.spec?.replicas ?? 1;
  const ready = d.status?.readyReplicas ?? 0;
  const available = d.status?.availableReplicas ?? 0;
  if (ready < want) throw new Error(`replicas are not yet ready (${ready}/${want})`);
  if (available < want) throw new Error(`replicas are not yet available (${available}/${want})`);
}

/** Each agent's view of the mesh: one mTLS probe per peer, shared by every node of this cluster. */
export async function probeConnectivity(client: KubeClient, ns: string, self: string): Promise<Connectivity> {
  const peers = await readPeers(client, ns, self);
  const nodes = (await client.list(resources.nodes, undefined)).map((n) => n.metadata.name).sort();
  const local = await listGlobalServices(client, self);
  const peerResults: AgentView['peers'] = {};
  const globalNames = new Set(local.map((s) => `${s.namespace}/${s.name}`));
  if (peers.length > 0) {
    const agent = { ...(await readAgentClientMaterial(client, ns)), caPem: await readCaPem(client, ns) };
    for (const peer of peers) {
      const r = await requestPeer<MeshService[]>(peer, agent, '/v1/services');
      peerResults[peer.name] = r.ok ? { ok: true } : { ok: false, error: r.error };
      if (r.ok) for (const s of r.body) globalNames.add(`${s.namespace}/${s.name}`);
    }
  }
  const views: AgentView[] = nodes.map((agent) => ({ agent, peers: peerResults, globalServices: globalNames.size }));
  return summarize(views, peers.map((p) => p.name));
}

/** cilium-cli's wait observer: retries until the deadline, saying what it waits for. */
class Waiter {
  readonly start = Date.now();
  constructor(
    private readonly ctx: CommandContext,
    readonly enabled: boolean,
    readonly deadline: number,
    private readonly toStderr: boolean,
  ) {}

  elapsed(): string {
    return `${Math.round((Date.now() - this.start) / 1000)}s`;
  }

  async retry<T>(waitingFor: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!this.enabled) throw err;
        if (Date.now() >= this.deadline) throw new Error(`timeout while waiting for condition, last error: ${(err as Error).message}`);
        this.ctx.log(`⌛ Waiting (${this.elapsed()}) for ${waitingFor}: ${(err as Error).message}`, this.toStderr);
        await sleep(2000);
      }
    }
  }
}

export async function clustermeshStatus(ctx: CommandContext): Promise<void> {
  const client = ctx.client();
  const ns = ctx.namespace;
  const output = (ctx.flags.output as string) || '';
  if (output && output !== 'json' && output !== 'summary') throw new FatalError(`unsupported output format "${output}"`);
  const json = output === 'json';
  const waiter = new Waiter(ctx, ctx.flags.wait === true, Date.now() + ((ctx.flags['wait-duration'] as number) || 15 * 60_000), json);
  const log = (l: string) => ctx.log(l, json);

  let identity;
  try {
    identity = await readClusterIdentity(client, ns);
  } catch (err) {
    throw new FatalError(`Unable to determine status:  ${(err as Error).message}`);
  }
  if (identity.id === '0' || identity.name === 'default') {
    log("⚠️  Cluster not configured for clustermesh, use '--set cluster.id' and '--set cluster.name' with 'cilium install'. External workloads may still be configured.");
  }
  let ai: AccessInformation;
  try {
    ai = await waiter.retry('access information', () => extractAccessInformation(client, ns, () => {}, false));
    // The NodePort warning is printed once, as cilium-cli's status prints it.
    if (ai.serviceType === 'NodePort') log('⚠️  Service type NodePort detected! Service may fail when nodes are removed from the cluster!');
    log(`✅ Service "clustermesh-apiserver" of type "${ai.serviceType}" found`);
    log('✅ Cluster access information is available:');
    for (const ip of ai.serviceIps) log(`  - ${ip}:${ai.servicePort}`);
    await waiter.retry(`deployment ${deploymentName} to become ready`, () => checkDeploymentStatus(client, ns, deploymentName)).catch((err: Error) => {
      throw new Error(`deployment ${deploymentName} is not ready: ${err.message}`);
    });
    log(`✅ Deployment ${deploymentName} is ready`);
    log('ℹ️  KVStoreMesh is disabled');
  } catch (err) {
    throw new FatalError(`Unable to determine status:  ${(err as Error).message}`);
  }

  let connectivity: Connectivity;
  let failure: string | undefined;
  for (;;) {
    connectivity = await probeConnectivity(client, ns, identity.name).catch((err: Error) => {
      throw new FatalError(`Unable to determine status:  ${err.message}`);
    });
    if (!waiter.enabled || connectivity.notReady === 0) break;
    const reason = `${connectivity.notReady} nodes are not ready`;
    if (Date.now() >= waiter.deadline) {
      failure = `timeout while waiting for condition, last error: ${reason}`;
      break;
    }
    log(`⌛ Waiting (${waiter.elapsed()}) for clusters to be connected: ${reason}`);
    await sleep(2000);
  }

  if (json) {
    ctx.io.out(
      statusJson({ serviceType: ai.serviceType, serviceIps: ai.serviceIps, servicePort: ai.servicePort, clusterId: ai.id, clusterName: ai.name, caPem: ai.caPem, maxConnectedClusters: ai.maxConnectedClusters }, connectivity) + '\n',
    );
  } else {
    for (const line of connectivityLines(connectivity)) log(line);
  }
  if (failure) throw new FatalError(`Unable to determine status:  ${failure}`);
}
