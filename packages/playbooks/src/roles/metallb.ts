import { resultRef, task, type HostContext } from '@meshbook/engine';
import { helmRelease, helmRepository, kubeResource, type HelmListedRelease, type KubeObject } from '@meshbook/modules';
import type { RkeMeshVars, RkeNodeVars } from '../rke/vars.js';
import { after } from './cluster-topology.js';
import { ciliumRelease } from './cilium.js';
import { ownMeshCluster, type MeshSite } from './mesh-site.js';
import type { Role } from './role.js';

type Host = HostContext<RkeNodeVars & RkeMeshVars>;

export const METALLB_NAMESPACE = 'metallb-system';
const POOL = 'default';
const metallbRepo = resultRef<undefined>('metallb_chart_repository');
export const metallbRelease = resultRef<HelmListedRelease | null>('metallb_release');

/** MetalLB 0.13 replaced the `config` ConfigMap by custom resources (IPAddressPool, L2Advertisement). */
export function metallbUsesCrds(chartVersion: string): boolean {
  const [major = 0, minor = 0] = chartVersion.replace(/^v/, '').split('.').map(Number);
  return major > 0 || minor >= 13;
}

/**
 * Seed 004-07's layer-2 pool for one cluster, in the form the pinned MetalLB version reads: the
 * seed's `config` ConfigMap below 0.13, an IPAddressPool and the L2Advertisement announcing it
 * from 0.13 on. The pool is named `default`, as in the seed.
 */
export function metallbPoolObjects(range: string, chartVersion: string): KubeObject[] {
  const metadata = (name: string) => ({ name, namespace: METALLB_NAMESPACE });
  if (!metallbUsesCrds(chartVersion)) {
    return [{
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata('config'),
      // MetalLB's own YAML; the range is validated (first-last of IPv4 addresses) before it gets here
      data: { config: `address-pools:\n- name: ${POOL}\n  protocol: layer2\n  addresses:\n  - ${range}\n` },
    }];
  }
  return [
    { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: metadata(POOL), spec: { addresses: [range] } },
    { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: metadata(POOL), spec: { ipAddressPools: [POOL] } },
  ];
}

/**
 * Seed 004-07 on every master: MetalLB from its chart repository at the version the inventory
 * pins, then this cluster's layer-2 pool (metallb_range) in that version's form.
 */
export function metallbRole(site: MeshSite): Role {
  const target = (host: Host) => ({ kubeconfig: site.kubeconfig(host), context: ownMeshCluster(site, host, host.vars.cluster_name).context });
  return {
    name: 'metallb',
    tasks: [
      task(
        helmRepository,
        (host: Host) => {
          after(host, ciliumRelease);
          return { name: 'metallb', url: host.vars.metallb_chart_repo_url, updateCache: true };
        },
        { name: 'helm repo add metallb; helm repo update', register: metallbRepo },
      ),
      task(
        helmRelease,
        (host: Host) => {
          after(host, metallbRepo);
          const { kubeconfig, context } = target(host);
          return { name: 'metallb', namespace: METALLB_NAMESPACE, createNamespace: true, chart: 'metallb/metallb', version: host.vars.metallb_chart_version, wait: true, kubeconfig, kubeContext: context };
        },
        { name: 'MetalLB installed by helm (the version the inventory pins)', register: metallbRelease },
      ),
      task(
        kubeResource,
        (host: Host, object: KubeObject) => {
          after(host, metallbRelease);
          return { ...target(host), object };
        },
        {
          name: "this cluster's layer-2 pool (IPAddressPool + L2Advertisement, or the config ConfigMap before 0.13)",
          loop: (host: Host) => metallbPoolObjects(host.vars.metallb_range, host.vars.metallb_chart_version),
          loopLabel: (o: KubeObject) => `${o.kind}/${o.metadata.name}`,
        },
      ),
    ],
  };
}
