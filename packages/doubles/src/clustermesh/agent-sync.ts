// The agents' half of ClusterMesh, done by the clustermesh-apiserver double on the master (there
// are no agents): each round fetches nodes and global services from every configured peer over
// mutual TLS with this cluster's agent certificate, and writes them into this cluster's API
// (see remote-import.ts for the objects). A peer removed from the configuration loses its
// imported objects; one that is only unreachable keeps its last known state, as the agents keep
// it until they reconnect.
import { resources, type KubeClient } from '../cilium/kube-client.js';
import { readAgentClientMaterial, readCaPem, readPeers, requestPeer } from './cluster-state.js';
import { listGlobalServices, listMeshNodes, type MeshNode, type MeshService } from './local-state.js';
import { clusterLabel } from './names.js';
import { desiredCiliumNodes, desiredSlices, ensureCiliumNodeCrd, reconcile } from './remote-import.js';

export class AgentSync {
  /** Last error per peer ('' once connected), so the log says each change once. */
  private readonly peerErrors = new Map<string, string>();
  private crdReady = false;
  private slicesServed = true;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly self: string,
    private readonly log: (line: string) => void,
  ) {}

  async syncOnce(): Promise<void> {
    const { client, namespace: ns, self } = this;
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
        if (this.peerErrors.get(peer.name) !== error) this.log(`cluster ${peer.name} not reachable: ${error}`);
        this.peerErrors.set(peer.name, error);
        continue;
      }
      if (this.peerErrors.get(peer.name) !== '') this.log(`cluster ${peer.name} connected`);
      this.peerErrors.set(peer.name, '');
      reached.push(peer.name);
      nodes.push(...remoteNodes.body.map((n) => ({ ...n, cluster: peer.name })));
      services.push(...remoteServices.body.map((s) => ({ ...s, cluster: peer.name })));
    }

    const configured = new Set([self, ...peers.map((p) => p.name)]);
    const removed = async (res: typeof resources.ciliumnodes | typeof resources.endpointslices) =>
      (await client.list(res, undefined)).map((o) => o.metadata.labels?.[clusterLabel] ?? '').filter((c) => c !== '' && !configured.has(c));

    if (!this.crdReady) {
      await ensureCiliumNodeCrd(client);
      this.crdReady = true;
    }
    await reconcile(client, resources.ciliumnodes, [...reached, ...(await removed(resources.ciliumnodes))], desiredCiliumNodes(nodes, self));

    const local = await listGlobalServices(client, self);
    const globalNames = new Set(local.map((s) => `${s.namespace}/${s.name}`));
    // A service is global only where it is declared global locally too, as in Cilium.
    const slices = desiredSlices([...local, ...services.filter((s) => globalNames.has(`${s.namespace}/${s.name}`))]);
    if (!this.slicesServed) return;
    try {
      await reconcile(client, resources.endpointslices, [...reached, ...(await removed(resources.endpointslices))], slices);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      this.slicesServed = false;
      this.log('the API does not serve discovery.k8s.io/v1 EndpointSlices: global service backends are served to peers but not written locally');
    }
  }
}
