// The clustermesh-apiserver double: a mutual-TLS listener on the master serving this cluster's
// nodes and global services to the other clusters, and (standing in for the agents, which do not
// run here) the importer of what the connected peers serve. Its certificate, key and trusted CAs
// are read from the cluster's Secrets and re-read every few seconds, so replacing `cilium-ca` and
// re-running `cilium clustermesh enable` takes effect without a restart.
import { readFileSync } from 'node:fs';
import { KubeClient, resources } from '../cilium/kube-client.js';
import type { ClusterAccess } from '../cilium/kubeconfig.js';
import { readAgentClientMaterial, readCaPem, readClusterIdentity, readPeers, readSecret, requestPeer } from './cluster-state.js';
import { listGlobalServices, listMeshNodes, type MeshNode, type MeshService } from './local-state.js';
import { startMtlsServer, type MtlsServer, type TlsMaterial } from './mtls.js';
import { serverCertSecret, serviceName } from './names.js';
import { Announcer } from './announce.js';
import { desiredCiliumNodes, desiredSlices, ensureCiliumNodeCrd, reconcile } from './remote-import.js';

export interface DaemonConfig {
  clusterName: string;
  namespace: string;
  listenHost: string;
  listenPort: number;
  syncIntervalMs: number;
  /** Add the Service's LoadBalancer address to this host (the lab has no MetalLB speaker). */
  announceLoadBalancer?: boolean;
  kube: ClusterAccess;
}

export function loadDaemonConfig(path: string): DaemonConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<DaemonConfig>;
  for (const field of ['clusterName', 'namespace', 'listenPort', 'kube'] as const) {
    if (raw[field] === undefined) throw new Error(`${path}: field "${field}" is missing`);
  }
  return { listenHost: '0.0.0.0', syncIntervalMs: 3000, ...raw } as DaemonConfig;
}

/** Server certificate and key, and the CAs whose client certificates are accepted. */
export async function serverMaterial(client: KubeClient, namespace: string, self: string): Promise<TlsMaterial> {
  const cert = await readSecret(client, namespace, serverCertSecret);
  if (!cert?.['tls.crt'] || !cert['tls.key']) throw new Error(`secret "${serverCertSecret}" is missing or has no tls.crt/tls.key`);
  const ca = await readCaPem(client, namespace);
  const extra = (await readPeers(client, namespace, self)).flatMap((p) => (p.extraCaPem ? [p.extraCaPem] : []));
  return { certPem: cert['tls.crt'], keyPem: cert['tls.key'], caPem: [ca, ...extra].join('\n') };
}

export interface Daemon {
  port: number;
  syncOnce(): Promise<void>;
  stop(): Promise<void>;
}

export async function runDaemon(config: DaemonConfig, log: (line: string) => void): Promise<Daemon> {
  const client = new KubeClient(config.kube);
  const ns = config.namespace;
  const self = config.clusterName;

  let material: TlsMaterial | undefined;
  for (;;) {
    try {
      material = await serverMaterial(client, ns, self);
      break;
    } catch (err) {
      log(`waiting for TLS material: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, config.syncIntervalMs));
    }
  }

  const server: MtlsServer = await startMtlsServer({
    host: config.listenHost,
    port: config.listenPort,
    material,
    log,
    routes: {
      '/healthz': () => ({ status: 'ok' }),
      '/v1/cluster': async () => {
        const id = await readClusterIdentity(client, ns);
        return { name: id.name, id: Number(id.id) };
      },
      '/v1/nodes': () => listMeshNodes(client, self),
      '/v1/services': () => listGlobalServices(client, self),
    },
  });
  log(`clustermesh-apiserver for cluster ${self} listening on ${config.listenHost}:${server.port} (mutual TLS)`);

  let lastMaterial = JSON.stringify(material);
  const announcer = new Announcer(log);
  let unplacedLogged = '';
  const peerErrors = new Map<string, string>();
  let crdReady = false;
  let slicesServed = true;

  const syncOnce = async () => {
    const next = await serverMaterial(client, ns, self);
    const text = JSON.stringify(next);
    if (text !== lastMaterial) {
      server.reload(next);
      lastMaterial = text;
      log('reloaded the server certificate and trusted CAs from the cluster');
    }

    if (config.announceLoadBalancer) {
      const svc = await client.getOrUndefined<{ metadata: { name: string }; spec?: { type?: string }; status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }>(resources.services, ns, serviceName);
      const ips = svc?.spec?.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : [])) : [];
      const unplaced = announcer.announce(ips).join(', ');
      if (unplaced && unplaced !== unplacedLogged) log(`LoadBalancer address ${unplaced} is on no network of this host: peers must reach it some other way`);
      unplacedLogged = unplaced;
    }

    const peers = await readPeers(client, ns, self);
    const agent = { ...(await readAgentClientMaterial(client, ns)), caPem: await readCaPem(client, ns) };
    const nodes: MeshNode[] = await listMeshNodes(client, self);
    const services: MeshService[] = [];
    const reached: string[] = [self];
    for (const peer of peers) {
      const remoteNodes = await requestPeer<MeshNode[]>(peer, agent, '/v1/nodes');
      const remoteServices = remoteNodes.ok ? await requestPeer<MeshService[]>(peer, agent, '/v1/services') : remoteNodes;
      if (!remoteNodes.ok || !remoteServices.ok) {
        const error = !remoteNodes.ok ? remoteNodes.error : !remoteServices.ok ? remoteServices.error : '';
        if (peerErrors.get(peer.name) !== error) log(`cluster ${peer.name} not reachable: ${error}`);
        peerErrors.set(peer.name, error);
        continue;
      }
      if (peerErrors.get(peer.name) !== '') log(`cluster ${peer.name} connected`);
      peerErrors.set(peer.name, '');
      reached.push(peer.name);
      nodes.push(...remoteNodes.body.map((n) => ({ ...n, cluster: peer.name })));
      services.push(...remoteServices.body.map((s) => ({ ...s, cluster: peer.name })));
    }
    // A peer removed from the configuration loses its imported objects; one that is only
    // unreachable keeps its last known state, as the agents keep it until they reconnect.
    const configured = new Set([self, ...peers.map((p) => p.name)]);
    const owned = async (res: typeof resources.ciliumnodes | typeof resources.endpointslices) =>
      (await client.list(res, undefined)).map((o) => o.metadata.labels?.['io.cilium.k8s.policy.cluster'] ?? '').filter((c) => c !== '' && !configured.has(c));

    if (!crdReady) {
      await ensureCiliumNodeCrd(client);
      crdReady = true;
    }
    await reconcile(client, resources.ciliumnodes, [...reached, ...(await owned(resources.ciliumnodes))], desiredCiliumNodes(nodes, self));

    const local = await listGlobalServices(client, self);
    const globalNames = new Set(local.map((s) => `${s.namespace}/${s.name}`));
    // A service is global only where it is declared global locally too, as in Cilium.
    const slices = desiredSlices([...local, ...services.filter((s) => globalNames.has(`${s.namespace}/${s.name}`))]);
    if (slicesServed) {
      try {
        await reconcile(client, resources.endpointslices, [...reached, ...(await owned(resources.endpointslices))], slices);
      } catch (err) {
        if ((err as { code?: number }).code === 404) {
          slicesServed = false;
          log('the API does not serve discovery.k8s.io/v1 EndpointSlices: global service backends are served to peers but not written locally');
        } else throw err;
      }
    }
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    if (stopped) return;
    try {
      await syncOnce();
    } catch (err) {
      log(`sync failed: ${(err as Error).message}`);
    }
    if (!stopped) timer = setTimeout(loop, config.syncIntervalMs);
  };
  timer = setTimeout(loop, 0);

  return {
    port: server.port,
    syncOnce,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      announcer.withdrawAll();
      await server.close();
    },
  };
}
