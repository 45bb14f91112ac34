import { task, type HostContext } from '@meshbook/engine';
import { ciliumClustermeshStatus, ciliumGlobalServiceBackends, ciliumMeshNodes, kubeResource, type KubeObject } from '@meshbook/modules';
import type { ClusterNodeVars } from '../clustermesh/vars.js';
import { kubeadmMeshSite } from './kubeadm-mesh-site.js';
import { caSourceOf, ownMeshCluster, type MeshSite } from './mesh-site.js';
import type { Role } from './role.js';

type Host = HostContext<Pick<ClusterNodeVars, 'cluster_name' | 'cluster_id'>>;

/** Runs only when asked for (`--tags verify`): it deploys an example and scales it. */
export const VERIFY_TAGS = ['verify', 'never'] as const;
const REPLICAS = 2;

/** Cilium's global-service example (examples/kubernetes/clustermesh/global-service-example), this cluster's answer in it. */
function rebelBase(label: string, replicas: number): KubeObject[] {
  const labels = { name: 'rebel-base' };
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'rebel-base-response', namespace: 'default' },
      data: { 'message.json': `{"Galaxy": "Alderaan", "Cluster": "${label}"}\n` },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'rebel-base', namespace: 'default' },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [{ name: 'rebel-base', image: 'docker.io/nginx:1.15.8', volumeMounts: [{ name: 'html', mountPath: '/usr/share/nginx/html/' }] }],
            volumes: [{ name: 'html', configMap: { name: 'rebel-base-response', items: [{ key: 'message.json', path: 'index.html' }] } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'rebel-base', namespace: 'default', annotations: { 'service.cilium.io/global': 'true' } },
      spec: { type: 'ClusterIP', ports: [{ port: 80 }], selector: labels },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x-wing', namespace: 'default' },
      spec: {
        selector: { matchLabels: { name: 'x-wing' } },
        template: { metadata: { labels: { name: 'x-wing' } }, spec: { containers: [{ name: 'x-wing', image: 'docker.io/cilium/json-mock:1.2', command: ['sleep', 'infinity'] }] } },
      },
    },
  ];
}

const labelOf = (host: Host) => `${host.vars.cluster_name} (${host.vars.cluster_id})`;

/**
 * Seed 000-21 on every master, behind the `verify` tag: every peer connected on all nodes, the
 * node list holding the other clusters' nodes, the rebel-base global service with backends of
 * every cluster; cluster 1 scaled to 0 leaves only the others', and scaled back all again.
 */
export function clustermeshVerifyRole(site: MeshSite = kubeadmMeshSite): Role {
  const tags = [...VERIFY_TAGS];
  const target = (host: Host) => ({ kubeconfig: site.kubeconfig(host), context: ownMeshCluster(site, host, host.vars.cluster_name).context });
  const isCluster1 = (host: Host) => caSourceOf(site, host).name === host.vars.cluster_name;
  const expectAll = (host: Host, except?: string) => Object.fromEntries(site.clusters(host).map((c) => [c.name, c.name !== except]));
  const clustersOf = (host: Host) => site.clusters(host);
  const caSourceCluster = (host: Host) => caSourceOf(site, host);
  return {
    name: 'clustermesh-verify',
    tasks: [
      task(ciliumClustermeshStatus, (host: Host) => ({ ...target(host), peers: clustersOf(host).filter((c) => c.name !== host.vars.cluster_name).map((c) => c.name) }), {
        name: 'cilium clustermesh status --wait: every peer connected',
        tags,
      }),
      task(ciliumMeshNodes, (host: Host) => ({ ...target(host), clusters: clustersOf(host).map((c) => c.name) }), { name: "node list shows every cluster's nodes", tags }),
      task(
        kubeResource,
        (host: Host, object: KubeObject) => ({ ...target(host), object }),
        {
          name: 'rebel-base global service and x-wing from Cilium\'s example',
          loop: (host: Host) => rebelBase(labelOf(host), REPLICAS),
          loopLabel: (o: KubeObject) => `${o.kind}/${o.metadata.name}`,
          tags,
        },
      ),
      task(ciliumGlobalServiceBackends, (host: Host) => ({ ...target(host), service: 'rebel-base', expect: expectAll(host) }), { name: 'rebel-base has backends in every cluster', tags }),
      task(kubeResource, (host: Host) => ({ ...target(host), object: rebelBase(labelOf(host), 0)[1]! }), { name: 'rebel-base scaled to 0 in cluster 1', when: isCluster1, tags }),
      task(ciliumGlobalServiceBackends, (host: Host) => ({ ...target(host), service: 'rebel-base', expect: expectAll(host, caSourceCluster(host).name) }), {
        name: "failover: rebel-base served only by the other clusters' backends",
        tags,
      }),
      task(kubeResource, (host: Host) => ({ ...target(host), object: rebelBase(labelOf(host), REPLICAS)[1]! }), { name: 'rebel-base scaled back in cluster 1', when: isCluster1, tags }),
      task(ciliumGlobalServiceBackends, (host: Host) => ({ ...target(host), service: 'rebel-base', expect: expectAll(host) }), { name: 'rebel-base back in every cluster', tags }),
    ],
  };
}
