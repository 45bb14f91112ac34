import { describe, expect, it } from 'vitest';
import { parseInitConfig } from './config.js';
import { KubeadmError } from './errors.js';

const host = { hostname: 'node1', defaultAddress: '172.18.0.2' };

const v1beta4 = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 10.0.0.10
nodeRegistration:
  kubeletExtraArgs:
  - name: node-ip
    value: 10.0.0.10
skipPhases:
- addon/kube-proxy
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: 10.0.0.10:6443
apiServer:
  certSANs: [api.c1.lab, 10.0.0.100]
kubernetesVersion: v1.31.9
networking:
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.96.0.0/12
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
`;

function failure(text: string): KubeadmError {
  try {
    parseInitConfig(text, host);
  } catch (error) {
    if (error instanceof KubeadmError) return error;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('kubeadm config', () => {
  it('reads v1beta4 and defaults what is not given as kubeadm does', () => {
    const { config, warnings } = parseInitConfig(v1beta4, host);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      nodeName: 'node1', advertiseAddress: '10.0.0.10', bindPort: 6443, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12',
      certSANs: ['api.c1.lab', '10.0.0.100'], controlPlaneEndpoint: '10.0.0.10:6443', skipPhases: ['addon/kube-proxy'],
      dnsDomain: 'cluster.local', certificatesDir: '/etc/kubernetes/pki', etcdDataDir: '/var/lib/etcd',
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    });
    expect(config.bootstrapTokens).toEqual([{ token: '', description: '', ttlSeconds: 86400, usages: ['signing', 'authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token'] }]);
    expect(config.componentConfigs.KubeletConfiguration).toMatchObject({ cgroupDriver: 'systemd' });
  });

  it('reads v1beta3, where extraArgs are maps, and takes the host default address when none is given', () => {
    const { config, warnings } = parseInitConfig(`apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
nodeRegistration:
  kubeletExtraArgs:
    node-ip: 10.0.0.11
bootstrapTokens:
- token: abcdef.0123456789abcdef
  ttl: 1h0m0s
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
apiServer:
  timeoutForControlPlane: 4m0s
`, host);
    // no kubernetesVersion: kubeadm's default label stable-1, resolved offline with a warning
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('https://dl.k8s.io/release/stable-1.txt'), 'falling back to the local client version: v1.31.9']);
    expect(config.advertiseAddress).toBe('172.18.0.2');
    expect(config.bootstrapTokens[0]).toMatchObject({ token: 'abcdef.0123456789abcdef', ttlSeconds: 3600 });
  });

  it('warns about unknown fields with the strict decoder\'s words and goes on, as kubeadm v1.31', () => {
    const { warnings, config } = parseInitConfig(`apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
certSANs: [a.example]
kubernetesVersion: v1.31.9
apiServer:
  timeoutForControlPlane: 4m0s
networking:
  podSubnet: 10.244.0.0/16
`, host);
    expect(warnings.map((w) => w.message)).toEqual([
      'error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta4", Kind:"ClusterConfiguration"}: strict decoding error: unknown field "certSANs", unknown field "apiServer.timeoutForControlPlane"',
    ]);
    expect(config.certSANs).toEqual([]);
  });

  it('makes unknown fields errors when asked to be strict (kubeadm config validate)', () => {
    expect(() => parseInitConfig('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworkin: {}\n', host, true))
      .toThrow('error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta4", Kind:"ClusterConfiguration"}: strict decoding error: unknown field "networkin"');
  });

  it('reads the seed\'s ClusterConfiguration-only file: version label resolved offline with kubeadm\'s warnings', () => {
    const { config, warnings } = parseInitConfig(`controlPlaneEndpoint: jin-ayaka-master-1:6443
clusterName: cluster-ayk
apiServer:
  certSANs: [127.0.0.1, localhost, 10.20.31.10]
  extraArgs:
    authorization-mode: Node,RBAC
    enable-aggregator-routing: "true"
  timeoutForControlPlane: 4m0s
apiVersion: kubeadm.k8s.io/v1beta3
certificatesDir: /etc/kubernetes/pki
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: stable
networking:
  podSubnet: 10.242.0.0/16
  serviceSubnet: 10.92.0.0/16
`, host);
    expect(config).toMatchObject({ kubernetesVersion: 'v1.31.9', clusterName: 'cluster-ayk', controlPlaneEndpoint: 'jin-ayaka-master-1:6443', serviceSubnet: '10.92.0.0/16', advertiseAddress: '172.18.0.2' });
    expect(config.clusterConfiguration.kubernetesVersion).toBe('v1.31.9');
    expect(warnings.map((w) => w.message)).toEqual([
      'could not fetch a Kubernetes version from the internet: unable to get URL "https://dl.k8s.io/release/stable.txt": Get "https://dl.k8s.io/release/stable.txt": the lab\'s kubeadm double does not reach the internet',
      'falling back to the local client version: v1.31.9',
    ]);
  });

  it('refuses a control plane version older than kubeadm supports', () => {
    expect(failure('apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.28.2\n').message)
      .toBe('this version of kubeadm only supports deploying clusters with the control plane version >= 1.30.0. Current version: v1.28.2');
    expect(parseInitConfig('apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: 1.31.2\n', host).config.kubernetesVersion).toBe('v1.31.2');
  });

  it('refuses a bad CIDR with the validation error and exit code 3', () => {
    const error = failure('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.244.0.0/33\n');
    expect(error.message).toBe('networking.podSubnet: Invalid value: "10.244.0.0/33": couldn\'t parse subnet');
    expect(error.exitCode).toBe(3);
  });

  it('lists several validation errors as an aggregate', () => {
    const error = failure('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: 10.0.0.0/8\n  podSubnet: banana\n');
    expect(error.message).toBe('[networking.serviceSubnet: Invalid value: "10.0.0.0/8": specified service subnet is too large; for 32-bit addresses, the mask must be >= 12, networking.podSubnet: Invalid value: "banana": couldn\'t parse subnet]');
    expect(error.exitCode).toBe(3);
  });

  it('refuses a value of the wrong type as the JSON decoder does (exit 1)', () => {
    const error = failure('apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nlocalAPIEndpoint:\n  bindPort: "6443"\n');
    expect(error.message).toBe('error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field APIEndpoint.localAPIEndpoint.bindPort of type int32');
    expect(error.exitCode).toBe(1);
  });

  it('refuses old and unknown API versions', () => {
    expect(failure('apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n').message).toMatch(/^your configuration file uses an old API spec: "kubeadm.k8s.io\/v1beta2"/);
    expect(failure('apiVersion: kubeadm.k8s.io/v1beta9\nkind: ClusterConfiguration\n').message).toMatch(/^no kind "ClusterConfiguration" is registered for version "kubeadm.k8s.io\/v1beta9"/);
  });

  it('refuses an invalid bootstrap token and advertise address', () => {
    const error = failure('apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nbootstrapTokens:\n- token: ABC.def\nlocalAPIEndpoint:\n  advertiseAddress: 10.0.0\n');
    expect(error.message).toContain('localAPIEndpoint.advertiseAddress: Invalid value: "10.0.0": Invalid IP address');
    expect(error.message).toContain('bootstrapTokens[0].token: Invalid value: "ABC.def": the bootstrap token is invalid');
  });
});
