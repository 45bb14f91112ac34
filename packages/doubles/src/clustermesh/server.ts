// The clustermesh-apiserver double: a mutual-TLS listener on the master serving this cluster's
// nodes and global services to the other clusters, and (standing in for the agents, which do not
// run here) the importer of what the connected peers serve (agent-sync.ts). Its certificate, key and trusted CAs
// are read from the cluster's Secrets and re-read every few seconds, so replacing `cilium-ca` and
// re-running `cilium clustermesh enable` takes effect without a restart.
import { readFileSync } from 'node:fs';
import { KubeClient, resources } from '../cilium/kube-client.js';
import type { ClusterAccess } from '../cilium/kubeconfig.js';
import { readCaPem, readClusterIdentity, readPeers, readSecret } from './cluster-state.js';
import { listGlobalServices, listMeshNodes } from './local-state.js';
import { AgentSync } from './agent-sync.js';
import { startMtlsServer, type MtlsServer, type TlsMaterial } from './mtls.js';
import { serverCertSecret, serviceName } from './names.js';
import { Announcer } from './announce.js';

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
  const agentSync = new AgentSync(client, ns, self, log);

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

    await agentSync.syncOnce();
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastFailure = '';
  const loop = async () => {
    if (stopped) return;
    try {
      await syncOnce();
      if (lastFailure) log('sync works again');
      lastFailure = '';
    } catch (err) {
      // Said once per distinct failure, not every round.
      const message = (err as Error).message;
      if (message !== lastFailure) log(`sync failed: ${message}`);
      lastFailure = message;
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
