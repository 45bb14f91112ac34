import { KnownAfterApply, Secret, resultRef, task, type HostContext } from '@meshbook/engine';
import {
  blockinfile,
  copy,
  fetch,
  file,
  kubeadmConfig,
  kubeadmInit,
  kubeadmJoin,
  kubeadmJoinCommand,
  kubeadmKubeconfigUser,
  kubeadmNode,
  kubeconfig,
  type FetchOutput,
  type JoinCommand,
  type KubeadmNodeState,
} from '@meshbook/modules';
import { clusterNodeVars, kubeadmClusterVars, type ClusterNodeVars, type KubeadmClusterVars } from '../clustermesh/vars.js';
import { after, clustersOf, contextOf, homeOf, isMaster, kubeDirOf, loginUser, ownCluster } from './cluster-topology.js';
import { kubernetesPackagesInstalled } from './kubernetes-packages.js';
import type { Role } from './role.js';

type Host = HostContext<ClusterNodeVars & KubeadmClusterVars>;

export const kubeadmNodeState = resultRef<KubeadmNodeState>('kubeadm_node_state');
const adminConf = resultRef<FetchOutput>('admin_conf');
const joinCommand = resultRef<JoinCommand | null>('join_command');
const clusterKubeconfig = resultRef<FetchOutput>('cluster_kubeconfig');
/** The login user's ~/.kube/config holding every cluster's context: what the cluster steps use. */
export const meshKubeconfig = resultRef<{ path: string | null }>('mesh_kubeconfig');

/**
 * The login user's ~/.kube/config on a master. Read after the task that merges it: in check mode
 * on a fresh master that task plans a change, and whatever reads the file is known after apply.
 */
export function meshKubeconfigPath(host: HostContext): string {
  after(host, meshKubeconfig);
  return `${kubeDirOf(host)}/config`;
}

const initConfigPath = (host: HostContext) => `${homeOf(loginUser(host))}/kubeadm-init.yaml`;
const clusterConfigPath = (host: Host) => `${kubeDirOf(host)}/config-${host.vars.cluster_short}`;
const masterOnly = { when: (host: HostContext) => isMaster(host) };

/** Whether a worker of this master's cluster has still to join (a join token is minted only then). */
function workersToJoin(host: Host): boolean {
  const mine = host.vars.cluster_name;
  return (host.groups['workers'] ?? [])
    .filter((w) => clusterNodeVars.parse(host.hostvars(w)).cluster_name === mine)
    .some((w) => {
      const state = host.result(kubeadmNodeState, w)?.output;
      return !(state !== undefined && !(state instanceof KnownAfterApply) && state.joined);
    });
}

const secretContent = (output: FetchOutput): Secret => (output.content instanceof Secret ? output.content : new Secret(String(output.content ?? '')));

/**
 * Seed 000-08 to 000-14 on the nodes of every cluster: kubeadm's config and init on the master,
 * the login user's kubeconfigs, completion and `alias k`, the workers joined with a join command
 * minted on their master, and every cluster's per-cluster context merged on every master.
 */
export function kubeadmClusterRole(): Role {
  return {
    name: 'kubeadm-cluster',
    vars: kubeadmClusterVars,
    tasks: [
      task(kubeadmNode, {}, { name: 'kubeadm state of the node', register: kubeadmNodeState }),
      task(
        kubeadmConfig,
        (host: Host) => {
          after(host, kubernetesPackagesInstalled);
          const v = host.vars;
          return {
            path: initConfigPath(host),
            controlPlaneEndpoint: `${host.name}:${v.kube_api_port}`,
            clusterName: v.cluster_name,
            certSANs: ['127.0.0.1', 'localhost', ...(v.kube_vip ? [v.kube_vip] : [])],
            apiServerExtraArgs: { 'authorization-mode': 'Node,RBAC', 'enable-aggregator-routing': 'true' },
            timeoutForControlPlane: '4m0s',
            etcdDataDir: '/var/lib/etcd',
            imageRepository: 'registry.k8s.io',
            kubernetesVersion: 'stable',
            podSubnet: v.pod_cidr,
            serviceSubnet: v.service_cidr,
            advertiseAddress: v.upstream_ip,
            bindPort: v.kube_api_port,
          };
        },
        { name: '~/kubeadm-init.yaml for the cluster', ...masterOnly },
      ),
      task(
        kubeadmInit,
        (host: Host) => {
          after(host, kubernetesPackagesInstalled);
          return { config: initConfigPath(host), skipPhases: ['addon/kube-proxy'], uploadCerts: true };
        },
        { name: 'kubeadm init --skip-phases=addon/kube-proxy --upload-certs', ...masterOnly },
      ),
      task(file, (host: Host) => ({ path: kubeDirOf(host), state: 'directory' as const, owner: loginUser(host), mode: '0700' }), {
        name: '~/.kube for the login user',
        ...masterOnly,
      }),
      task(fetch, { path: '/etc/kubernetes/admin.conf', secret: true }, { name: 'admin.conf read', register: adminConf, ...masterOnly }),
      task(
        copy,
        (host: Host) => ({ dest: `${kubeDirOf(host)}/config`, content: secretContent(host.output(adminConf)), owner: loginUser(host), mode: '0600', force: false }),
        { name: '~/.kube/config from admin.conf, owned by the login user', ...masterOnly },
      ),
      task(
        kubeadmKubeconfigUser,
        (host: Host) => ({
          clientName: `kubernetes-admin-${host.vars.cluster_short}`,
          org: 'system:masters',
          user: loginUser(host),
          path: clusterConfigPath(host),
          config: initConfigPath(host),
        }),
        { name: 'kubeadm kubeconfig user --client-name=kubernetes-admin-<cluster> (~/.kube/config-<cluster>)', ...masterOnly },
      ),
      task(
        blockinfile,
        (host: Host) => ({
          path: `${homeOf(loginUser(host))}/.bashrc`,
          name: 'kubernetes completion',
          block: [
            '## kubernetes auto-completion',
            'source <(kubectl completion bash)',
            'source <(kubeadm completion bash)',
            'command -v helm >/dev/null && source <(helm completion bash)',
            'command -v crictl >/dev/null && source <(crictl completion bash)',
            'alias k=kubectl',
            'complete -o default -F __start_kubectl k',
          ].join('\n'),
          create: true,
          owner: loginUser(host),
        }),
        { name: 'bash completion and alias k=kubectl in ~/.bashrc', ...masterOnly },
      ),
      task(kubeadmJoinCommand, (host: Host) => ({ mint: workersToJoin(host) }), {
        name: 'kubeadm token create --print-join-command (only while a worker is to join)',
        register: joinCommand,
        ...masterOnly,
      }),
      task(kubeadmJoin, (host: Host) => ({ joinCommand: host.output(joinCommand, ownCluster(host).master) }), {
        name: 'kubeadm join on the workers with their master\'s join command',
        when: (host) => !isMaster(host),
      }),
      task(fetch, (host: Host) => ({ path: clusterConfigPath(host), secret: true }), {
        name: "this cluster's kubeconfig read, for the other masters",
        register: clusterKubeconfig,
        ...masterOnly,
      }),
      task(
        kubeconfig,
        (host: Host) => ({
          user: loginUser(host),
          kubeconfigs: clustersOf(host).map((c) => secretContent(host.output(clusterKubeconfig, c.master))),
          currentContext: contextOf(host.vars),
        }),
        { name: "every cluster's context in ~/.kube/config (kubernetes-admin-<cluster>@<cluster name>)", register: meshKubeconfig, ...masterOnly },
      ),
    ],
  };
}
