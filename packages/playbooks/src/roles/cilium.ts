import { resultRef, task, type HostContext } from '@meshbook/engine';
import { apt, aptKey, aptRepository, ciliumCli, helmRelease, helmRepository, type HelmListedRelease } from '@meshbook/modules';
import { ciliumVars, type CiliumVars, type ClusterNodeVars } from '../clustermesh/vars.js';
import { after } from './cluster-topology.js';
import { kubeadmMeshSite } from './kubeadm-mesh-site.js';
import { ownMeshCluster, type MeshSite } from './mesh-site.js';
import type { Role } from './role.js';

type Host = HostContext<Pick<ClusterNodeVars, 'cluster_name' | 'cluster_id'> & CiliumVars>;

const helmInstalled = resultRef<undefined>('helm_installed');
const ciliumRepo = resultRef<undefined>('cilium_chart_repository');
export const ciliumRelease = resultRef<HelmListedRelease | null>('cilium_release');

const keyName = (keyring: string) => keyring.replace(/^.*\//, '').replace(/\.gpg$/, '');

/** Chart 1.15 removed `tunnel` (now routingMode/tunnelProtocol) and `kubeProxyReplacement: strict` (now true). */
export function renamedSince115(chartVersion: string): boolean {
  const [major = 0, minor = 0] = chartVersion.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 15);
}

/** Seed 000-17's cilium.yaml for one cluster, in the key names of the chart version the inventory pins. */
export function ciliumValues(v: Pick<ClusterNodeVars, 'cluster_name' | 'cluster_id'> & { apiHost: string; apiPort: number; chartVersion: string }): Record<string, unknown> {
  const renamed = renamedSince115(v.chartVersion);
  return {
    k8sServiceHost: v.apiHost,
    k8sServicePort: v.apiPort,
    cluster: { name: v.cluster_name, id: v.cluster_id },
    bandwidthManager: { enabled: true },
    bpf: { hostLegacyRouting: false, lbExternalClusterIP: true, masquerade: true },
    hubble: {
      enabled: true,
      listenAddress: ':4244',
      metrics: {
        enableOpenMetrics: true,
        enabled: [
          'dns:query;ignoreAAAA',
          'drop',
          'flow',
          'flows-to-world',
          'httpV2:exemplars=true;labelsContext=source_ip,source_namespace,source_pod,source_workload,source_app,destination_ip,destination_namespace,destination_pod,destination_workload,destination_app,traffic_direction',
          'icmp',
          'port-distribution',
          'tcp',
        ],
      },
      relay: { enabled: true },
      ui: { enabled: true },
    },
    externalIPs: { enabled: true },
    ipam: { mode: 'kubernetes' },
    kubeProxyReplacement: renamed ? true : 'strict',
    operator: { prometheus: { enabled: true } },
    prometheus: { enabled: true },
    proxy: { prometheus: { enabled: false } },
    localRedirectPolicy: true,
    ...(renamed ? {} : { 'k8s-require-ipv4-pod-cidr': true }),
    externalWorkloads: { enabled: true },
    ...(renamed ? { routingMode: 'tunnel', tunnelProtocol: 'vxlan' } : { tunnel: 'vxlan' }),
  };
}

/**
 * Seed 000-15 to 000-17 (and 004-06) on every master: cilium-cli from its release (stable.txt,
 * sha256 checked), helm from its apt repository, the cilium chart repository, and Cilium
 * installed by helm into kube-system with the seed's values for this cluster (its name and id).
 */
export function ciliumRole(site: MeshSite = kubeadmMeshSite): Role {
  return {
    name: 'cilium',
    vars: ciliumVars,
    tasks: [
      task(
        ciliumCli,
        (host: Host) => ({
          stableUrl: host.vars.cilium_cli_stable_url,
          downloadUrl: host.vars.cilium_cli_download_url,
          ...(host.vars.cilium_cli_version ? { version: host.vars.cilium_cli_version } : {}),
        }),
        { name: 'cilium-cli (stable version, sha256 checked) in /usr/local/bin' },
      ),
      task(aptKey, (host: Host) => ({ name: keyName(host.vars.helm_apt_keyring), url: host.vars.helm_apt_key_url }), { name: "Helm's apt key, dearmored into /etc/apt/keyrings" }),
      task(aptRepository, (host: Host) => ({ name: 'helm-stable-debian', uri: host.vars.helm_apt_url, suite: 'all', components: ['main'], signedBy: host.vars.helm_apt_keyring }), {
        name: "Helm's apt repository",
      }),
      task(apt, { name: ['helm'], state: 'present' as const, updateCache: true }, { name: 'helm installed', register: helmInstalled }),
      task(
        helmRepository,
        (host: Host) => {
          after(host, helmInstalled);
          return { name: 'cilium', url: host.vars.cilium_chart_repo_url, updateCache: true };
        },
        { name: 'helm repo add cilium; helm repo update', register: ciliumRepo },
      ),
      task(
        helmRelease,
        (host: Host) => {
          after(host, helmInstalled, ciliumRepo);
          const v = host.vars;
          const api = site.apiServer(host);
          return {
            name: 'cilium',
            namespace: 'kube-system',
            chart: 'cilium/cilium',
            version: v.cilium_chart_version,
            values: { ...ciliumValues({ ...v, apiHost: api.host, apiPort: api.port, chartVersion: v.cilium_chart_version }), ...site.ciliumValues?.(host) },
            wait: true,
            kubeconfig: site.kubeconfig(host),
            kubeContext: ownMeshCluster(site, host, v.cluster_name).context,
          };
        },
        { name: "Cilium installed by helm with the cluster's values (cilium.yaml)", register: ciliumRelease },
      ),
    ],
  };
}
