// The command line: the real kube-apiserver's flag names where they exist, plus the double's own
// --data-dir. Unknown flags are refused, naming the flag, as the real binary does.
import { FlagError } from '../startup.js';

export { FlagError };

export interface Flags {
  securePort: number;
  bindAddress: string;
  advertiseAddress: string;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  clientCaFile: string;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  enableBootstrapTokenAuth: boolean;
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** kube-controller-manager's --cluster-cidr (node IPAM), as RKE passes it; kubeadm's comes from kubeadm-config. */
  clusterCidr?: string;
  dataDir: string;
  nodeMonitorGracePeriodSeconds: number;
  verbosity: number;
}

export const USAGE = `Usage: kube-apiserver [flags]   (meshbook double: the lab's stand-in for kube-apiserver)

      --secure-port int                       The port on which to serve HTTPS (default 6443)
      --bind-address ip                       The IP address on which to listen (default 0.0.0.0)
      --advertise-address ip                  The address advertised to clients (default: the bind address)
      --tls-cert-file string                  The serving certificate (PEM) [required]
      --tls-private-key-file string           The serving certificate's key (PEM) [required]
      --client-ca-file string                 CA bundle that signs client certificates [required]
      --service-cluster-ip-range string       CIDR of Service ClusterIPs (default 10.96.0.0/12)
      --service-node-port-range string        NodePort range (default 30000-32767)
      --enable-bootstrap-token-auth           Accept bootstrap tokens (Secrets bootstrap-token-<id> in kube-system)
      --cluster-signing-cert-file string      CA certificate that signs approved kubelet CSRs
      --cluster-signing-key-file string       Its key
      --cluster-cidr string                   Pod network each node's /24 podCIDR is allocated from (kube-controller-manager's flag)
      --node-monitor-grace-period duration    How long a node may go without a heartbeat before it turns NotReady (default 40s)
      --data-dir string                       Where the double keeps its state (default /var/lib/kube-apiserver-double)
  -v, --v int                                 Log level: 2 logs every request
`;

const IGNORED = new Set(['allow-privileged', 'authorization-mode', 'enable-admission-plugins', 'etcd-servers', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile', 'kubelet-client-certificate', 'kubelet-client-key', 'kubelet-preferred-address-types', 'proxy-client-cert-file', 'proxy-client-key-file', 'requestheader-allowed-names', 'requestheader-client-ca-file', 'requestheader-extra-headers-prefix', 'requestheader-group-headers', 'requestheader-username-headers', 'service-account-issuer', 'service-account-key-file', 'service-account-signing-key-file']);

function duration(flag: string, value: string): number {
  const match = value.match(/^(\d+)(s|m|h)?$/);
  if (!match) throw new FlagError(`invalid argument "${value}" for "--${flag}" flag: time: invalid duration "${value}"`);
  return Number(match[1]) * (match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1);
}

export function parseFlags(argv: string[]): Flags | 'help' {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return 'help';
    const match = arg.match(/^--?([a-z0-9-]+)(?:=(.*))?$/);
    if (!match) throw new FlagError(`unexpected argument "${arg}": kube-apiserver takes flags only`);
    const name = match[1]!;
    let value = match[2];
    if (value === undefined) {
      if (name === 'enable-bootstrap-token-auth') value = 'true';
      else if (i + 1 < argv.length) value = argv[++i]!;
      else throw new FlagError(`flag needs an argument: --${name}`);
    }
    values.set(name, value);
  }
  const known = new Set(['secure-port', 'bind-address', 'advertise-address', 'tls-cert-file', 'tls-private-key-file', 'client-ca-file', 'service-cluster-ip-range', 'service-node-port-range', 'enable-bootstrap-token-auth', 'cluster-signing-cert-file', 'cluster-signing-key-file', 'cluster-cidr', 'data-dir', 'node-monitor-grace-period', 'v']);
  for (const name of values.keys()) if (!known.has(name) && !IGNORED.has(name)) throw new FlagError(`unknown flag: --${name}`);
  const required = (name: string) => {
    const value = values.get(name);
    if (!value) throw new FlagError(`--${name} is required (the double serves HTTPS with client-certificate authentication only)`);
    return value;
  };
  const port = Number(values.get('secure-port') ?? 6443);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new FlagError(`invalid argument "${values.get('secure-port')}" for "--secure-port" flag: must be a port number (1-65535)`);
  const bindAddress = values.get('bind-address') ?? '0.0.0.0';
  return {
    securePort: port,
    bindAddress,
    advertiseAddress: values.get('advertise-address') ?? (bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress),
    tlsCertFile: required('tls-cert-file'),
    tlsPrivateKeyFile: required('tls-private-key-file'),
    clientCaFile: required('client-ca-file'),
    serviceClusterIpRange: values.get('service-cluster-ip-range') ?? '10.96.0.0/12',
    serviceNodePortRange: values.get('service-node-port-range') ?? '30000-32767',
    enableBootstrapTokenAuth: (values.get('enable-bootstrap-token-auth') ?? 'false') === 'true',
    clusterSigningCertFile: values.get('cluster-signing-cert-file'),
    clusterSigningKeyFile: values.get('cluster-signing-key-file'),
    clusterCidr: values.get('cluster-cidr'),
    dataDir: values.get('data-dir') ?? '/var/lib/kube-apiserver-double',
    nodeMonitorGracePeriodSeconds: duration('node-monitor-grace-period', values.get('node-monitor-grace-period') ?? '40s'),
    verbosity: Number(values.get('v') ?? 0),
  };
}
