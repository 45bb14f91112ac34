import { isIP } from 'node:net';
import { parse } from 'yaml';

/** One entry of cluster.yml's `nodes`, with RKE's defaults applied. */
export interface RkeNode {
  address: string;
  port: number;
  internalAddress: string;
  role: Array<'controlplane' | 'etcd' | 'worker'>;
  hostnameOverride: string;
  user: string;
  dockerSocket: string;
  sshKey: string;
  sshKeyPath: string;
  /** the node's name in Kubernetes: hostname_override, else the address (as RKE names nodes) */
  nodeName: string;
}

export interface RkeConfig {
  clusterName: string;
  nodes: RkeNode[];
  networkPlugin: string;
  clusterCidr: string;
  serviceClusterIpRange: string;
  clusterDomain: string;
  clusterDnsServer: string;
  kubernetesVersion: string;
  sshKeyPath: string;
}

/** RKE v1's defaults for the fields the double reads. */
export const RKE_DEFAULTS = {
  clusterName: 'local',
  networkPlugin: 'canal',
  clusterCidr: '10.42.0.0/16',
  serviceClusterIpRange: '10.43.0.0/16',
  clusterDomain: 'cluster.local',
  clusterDnsServer: '10.43.0.10',
  kubernetesVersion: 'v1.32.5-rancher1-1',
  sshKeyPath: '~/.ssh/id_rsa',
  dockerSocket: '/var/run/docker.sock',
  port: 22,
};

const ROLES = ['controlplane', 'etcd', 'worker'] as const;

export class RkeConfigError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, fallback: string): string => (v === undefined || v === null || v === '' ? fallback : String(v));

/** cluster.yml as RKE v1 reads it (the fields this double acts on; others are accepted). */
export function parseClusterConfig(text: string): RkeConfig {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (error) {
    throw new RkeConfigError(`Failed to parse cluster file: ${(error as Error).message}`);
  }
  if (!isObj(doc)) throw new RkeConfigError('Failed to parse cluster file: the file is not a YAML mapping');
  const services = isObj(doc.services) ? doc.services : {};
  const kubeApi = isObj(services['kube-api']) ? services['kube-api'] : {};
  const kubeController = isObj(services['kube-controller']) ? services['kube-controller'] : {};
  const kubelet = isObj(services.kubelet) ? services.kubelet : {};
  const network = isObj(doc.network) ? doc.network : {};
  const sshKeyPath = str(doc.ssh_key_path, RKE_DEFAULTS.sshKeyPath);
  const nodes = (Array.isArray(doc.nodes) ? doc.nodes : []).map((n, i) => parseNode(n, i, sshKeyPath));
  const config: RkeConfig = {
    clusterName: str(doc.cluster_name, RKE_DEFAULTS.clusterName),
    nodes,
    networkPlugin: str(network.plugin, RKE_DEFAULTS.networkPlugin),
    clusterCidr: str(kubeController.cluster_cidr, RKE_DEFAULTS.clusterCidr),
    serviceClusterIpRange: str(kubeApi.service_cluster_ip_range ?? kubeController.service_cluster_ip_range, RKE_DEFAULTS.serviceClusterIpRange),
    clusterDomain: str(kubelet.cluster_domain, RKE_DEFAULTS.clusterDomain),
    clusterDnsServer: str(kubelet.cluster_dns_server, RKE_DEFAULTS.clusterDnsServer),
    kubernetesVersion: str(doc.kubernetes_version, RKE_DEFAULTS.kubernetesVersion),
    sshKeyPath,
  };
  validate(config, kubeApi, kubeController);
  return config;
}

function parseNode(raw: unknown, index: number, defaultKeyPath: string): RkeNode {
  if (!isObj(raw)) throw new RkeConfigError(`Failed to validate cluster: nodes[${index}] is not a mapping`);
  const address = str(raw.address, '');
  if (address === '') throw new RkeConfigError(`Address for host (${index + 1}) is not provided`);
  const user = str(raw.user, '');
  if (user === '') throw new RkeConfigError(`User for host (${index + 1}) is not provided`);
  const roles = Array.isArray(raw.role) ? raw.role.map(String) : [];
  if (roles.length === 0) throw new RkeConfigError(`Role for host (${index + 1}) is not provided`);
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) throw new RkeConfigError(`Role [${role}] for host (${index + 1}) is not recognized`);
  }
  const port = Number(str(raw.port, String(RKE_DEFAULTS.port)));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RkeConfigError(`Port for host (${index + 1}) is not valid: ${String(raw.port)}`);
  const hostnameOverride = str(raw.hostname_override, '');
  return {
    address,
    port,
    internalAddress: str(raw.internal_address, address),
    role: roles as RkeNode['role'],
    hostnameOverride,
    user,
    dockerSocket: str(raw.docker_socket, RKE_DEFAULTS.dockerSocket),
    sshKey: str(raw.ssh_key, ''),
    sshKeyPath: str(raw.ssh_key_path, defaultKeyPath),
    nodeName: (hostnameOverride || address).toLowerCase(),
  };
}

function validate(config: RkeConfig, kubeApi: Obj, kubeController: Obj): void {
  const has = (role: string) => config.nodes.some((n) => n.role.includes(role as RkeNode['role'][number]));
  if (!has('etcd')) throw new RkeConfigError('Cluster must have at least one etcd plane host: please specify one or more etcd in cluster config');
  if (!has('controlplane')) throw new RkeConfigError('Cluster must have at least one control plane host: please specify one or more control planes in cluster config');
  if (!has('worker')) throw new RkeConfigError('Cluster must have at least one worker plane host: please specify one or more workers in cluster config');
  const seen = new Set<string>();
  for (const node of config.nodes) {
    if (seen.has(node.nodeName)) throw new RkeConfigError(`Failed to validate cluster: node name [${node.nodeName}] is used by more than one node; set hostname_override`);
    seen.add(node.nodeName);
  }
  for (const [field, value] of [
    ['services.kube-controller.cluster_cidr', config.clusterCidr],
    ['services.kube-api.service_cluster_ip_range', config.serviceClusterIpRange],
  ] as const) {
    if (!isCidr(value)) throw new RkeConfigError(`${field} [${value}] is not a valid CIDR`);
  }
  const apiRange = kubeApi.service_cluster_ip_range;
  const controllerRange = kubeController.service_cluster_ip_range;
  if (apiRange !== undefined && controllerRange !== undefined && String(apiRange) !== String(controllerRange)) {
    throw new RkeConfigError('Failed to validate cluster: kube-api and kube-controller service_cluster_ip_range must be the same');
  }
  if (isIP(config.clusterDnsServer) !== 4) throw new RkeConfigError(`services.kubelet.cluster_dns_server [${config.clusterDnsServer}] is not a valid IP address`);
}

function isCidr(value: string): boolean {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(value);
  return m !== null && isIP(m[1]!) === 4 && Number(m[2]) <= 32;
}

/** The first IP of a service range: the `kubernetes` service's ClusterIP (a SAN of the API server's certificate). */
export function firstServiceIp(cidr: string): string {
  const [base, bits] = cidr.split('/');
  const n = base!.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  const first = ((n & mask) >>> 0) + 1;
  return [24, 16, 8, 0].map((s) => (first >>> s) & 255).join('.');
}
