// `cilium clustermesh connect` / `disconnect`: each cluster gets the other's endpoint in its
// `cilium-clustermesh` Secret. Validation and wording follow cilium-cli (`validateInfoForConnect`,
// the CA comparison); with --allow-mismatching-ca each side also gets the other's CA to trust.
import { resources, type KubeClient, type KubeObject } from '../kube-client.js';
import { FatalError, type CommandContext } from '../context.js';
import { extractAccessInformation, readClusterIdentity, readSecret, type AccessInformation } from '../../clustermesh/cluster-state.js';
import { clusterMeshSecret } from '../../clustermesh/names.js';
import { encodeSecretData, formatPeerEntry } from '../../clustermesh/peer-config.js';
import { releaseOwnership } from './enable.js';

export function validateForConnect(local: AccessInformation, remote: AccessInformation): void {
  const valid = (a: AccessInformation) => a.name !== '' && a.name !== 'default' && a.id !== '' && a.id !== '0';
  if (!valid(remote)) throw new FatalError(`remote cluster has non-unique name (${remote.name}) and/or ID (${remote.id})`);
  if (!valid(local)) throw new FatalError(`local cluster has the default name (cluster name: ${local.name}) and/or ID 0 (cluster ID: ${local.id})`);
  const cid = Number(remote.id);
  if (!/^\d+$/.test(remote.id)) throw new FatalError(`remote cluster has non-numeric cluster ID ${remote.id}. Only numeric values 1-255 are allowed`);
  if (cid < 1 || cid > local.maxConnectedClusters) throw new FatalError(`remote cluster has cluster ID ${cid} out of acceptable range (1-${local.maxConnectedClusters})`);
  if (remote.maxConnectedClusters !== local.maxConnectedClusters) {
    throw new FatalError(`remote and local clusters have different max connected clusters: ${remote.maxConnectedClusters} != ${local.maxConnectedClusters}`);
  }
  if (remote.name === local.name) throw new FatalError(`remote and local cluster have the same, non-unique name: ${local.name}`);
  if (remote.id === local.id) throw new FatalError(`remote and local cluster have the same, non-unique ID: ${local.id}`);
}

function parseEndpoints(list: string[] | undefined): { host: string; port: number }[] | undefined {
  if (!list || list.length === 0) return undefined;
  return list.map((e) => {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(e);
    if (!m) throw new FatalError(`invalid endpoint "${e}", must be IP:PORT`);
    return { host: m[1]!, port: Number(m[2]) };
  });
}

/** Writes (or removes) entries in one cluster's cilium-clustermesh Secret; true when it changed. */
async function updateMeshSecret(client: KubeClient, ns: string, release: string, set: Record<string, string>, removeKeys: (key: string) => boolean): Promise<boolean> {
  const current = (await readSecret(client, ns, clusterMeshSecret)) ?? undefined;
  const own = releaseOwnership(release, ns);
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(current ?? {})) if (!removeKeys(k)) next[k] = v;
  Object.assign(next, set);
  if (current && JSON.stringify(Object.entries(current).sort()) === JSON.stringify(Object.entries(next).sort())) return false;
  if (!current && Object.keys(next).length === 0) return false;
  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: clusterMeshSecret, namespace: ns, labels: { 'app.kubernetes.io/part-of': 'cilium', ...own.labels }, annotations: own.annotations },
    type: 'Opaque',
    data: encodeSecretData(next),
  };
  if (current) {
    const existing = await client.get(resources.secrets, ns, clusterMeshSecret);
    const metadata = { ...existing.metadata, labels: { ...body.metadata.labels, ...existing.metadata.labels }, annotations: { ...body.metadata.annotations, ...(existing.metadata.annotations ?? {}) } };
    await client.replace(resources.secrets, ns, { ...body, metadata });
  } else {
    await client.create(resources.secrets, ns, body);
  }
  return true;
}

function destinationContext(ctx: CommandContext): string {
  const dest = ctx.flags['destination-context'] as string;
  if (!dest) throw new FatalError('unable to create Kubernetes client to access remote cluster "": --destination-context is required');
  return dest;
}

function remoteClient(ctx: CommandContext, dest: string): KubeClient {
  try {
    return ctx.client(dest);
  } catch (err) {
    throw new FatalError(`unable to create Kubernetes client to access remote cluster "${dest}": ${(err as Error).message}`);
  }
}

export async function clustermeshConnect(ctx: CommandContext): Promise<void> {
  const ns = ctx.namespace;
  const release = (ctx.flags['helm-release-name'] as string) || 'cilium';
  const dest = destinationContext(ctx);
  const local = ctx.client();
  const remote = remoteClient(ctx, dest);
  const log = (l: string) => ctx.log(l);
  const mode = (ctx.flags['connection-mode'] as string) || 'bidirectional';
  if (!['bidirectional', 'unicast', 'mesh'].includes(mode)) throw new FatalError(`invalid connection mode "${mode}": must be one of bidirectional, unicast, mesh`);

  let aiRemote: AccessInformation;
  try {
    aiRemote = await extractAccessInformation(remote, ns, log, true);
  } catch (err) {
    ctx.log(`❌ Unable to retrieve access information of remote cluster "${remote.access.clusterName}": ${(err as Error).message}`);
    throw new FatalError(`Unable to connect cluster: ${(err as Error).message}`);
  }
  let aiLocal: AccessInformation;
  try {
    aiLocal = await extractAccessInformation(local, ns, log, true);
  } catch (err) {
    ctx.log(`❌ Unable to retrieve access information of local cluster "${local.access.clusterName}": ${(err as Error).message}`);
    throw new FatalError(`Unable to connect cluster: ${(err as Error).message}`);
  }
  const remoteEndpoints = parseEndpoints(ctx.flags['destination-endpoint'] as string[]) ?? aiRemote.serviceIps.map((host) => ({ host, port: aiRemote.servicePort }));
  const localEndpoints = parseEndpoints(ctx.flags['source-endpoint'] as string[]) ?? aiLocal.serviceIps.map((host) => ({ host, port: aiLocal.servicePort }));
  try {
    validateForConnect(aiLocal, aiRemote);
  } catch (err) {
    throw new FatalError(`Unable to connect cluster: ${(err as Error).message}`);
  }
  const caMatch = aiLocal.caPem.trim() === aiRemote.caPem.trim();
  const allowMismatch = ctx.flags['allow-mismatching-ca'] === true;
  if (!caMatch && !allowMismatch) {
    throw new FatalError(
      `Unable to connect cluster: Cilium CA certificates do not match between clusters ${aiLocal.name} and ${aiRemote.name}. Use --allow-mismatching-ca to allow this by adding remote CAs to the CA bundle`,
    );
  }
  if (!caMatch) ctx.log('⚠️ Cilium CA certificates do not match between clusters. Remote cluster CA will be trusted in CA bundle');

  const sameKey = (name: string) => (k: string) => k === name || k.startsWith(`${name}.`);
  ctx.log(`ℹ️ Configuring Cilium in cluster '${local.access.clusterName}' to connect to cluster '${remote.access.clusterName}'`);
  await updateMeshSecret(local, ns, release, formatPeerEntry({ name: aiRemote.name, endpoints: remoteEndpoints, ...(caMatch ? {} : { extraCaPem: aiRemote.caPem }) }), sameKey(aiRemote.name));
  if (mode !== 'unicast') {
    ctx.log(`ℹ️ Configuring Cilium in cluster '${remote.access.clusterName}' to connect to cluster '${local.access.clusterName}'`);
    await updateMeshSecret(remote, ns, release, formatPeerEntry({ name: aiLocal.name, endpoints: localEndpoints, ...(caMatch ? {} : { extraCaPem: aiLocal.caPem }) }), sameKey(aiLocal.name));
  }
  ctx.log(`✅ Connected cluster ${local.access.clusterName} ${mode === 'unicast' ? '=>' : '<=>'} ${remote.access.clusterName}!`);
}

export async function clustermeshDisconnect(ctx: CommandContext): Promise<void> {
  const ns = ctx.namespace;
  const release = (ctx.flags['helm-release-name'] as string) || 'cilium';
  const dest = destinationContext(ctx);
  const local = ctx.client();
  const remote = remoteClient(ctx, dest);
  const localId = await readClusterIdentity(local, ns);
  const remoteId = await readClusterIdentity(remote, ns);
  const sameKey = (name: string) => (k: string) => k === name || k.startsWith(`${name}.`);
  ctx.log(`ℹ️ Configuring Cilium in cluster '${local.access.clusterName}' to disconnect from cluster '${remote.access.clusterName}'`);
  await updateMeshSecret(local, ns, release, {}, sameKey(remoteId.name));
  ctx.log(`ℹ️ Configuring Cilium in cluster '${remote.access.clusterName}' to disconnect from cluster '${local.access.clusterName}'`);
  await updateMeshSecret(remote, ns, release, {}, sameKey(localId.name));
  ctx.log(`✅ Disconnected clusters ${local.access.clusterName} and ${remote.access.clusterName}!`);
}
