// kubeadm and kubelet doubles on fleet hosts, judged by the real kubectl: init a control plane,
// join a worker with the printed token and CA hash, and the failures kubeadm is known for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecResult } from '@meshbook/fleet';
import { useFleet } from '../support/fleet.js';
import { installDoubles, stageDoubles } from '../support/doubles.js';

const fleet = useFleet({ hosts: ['m1', 'w1', 'm2'] });
let cleanup = () => {};

const sh = (host: string, script: string, stdin?: string): Promise<ExecResult> =>
  fleet().exec(host, ['sh', '-c', script], stdin === undefined ? {} : { stdin });
const kubectl = (host: string, args: string) => sh(host, `kubectl --kubeconfig /etc/kubernetes/admin.conf ${args}`);

function initConfig(apiVersion: 'v1beta3' | 'v1beta4', address: string): string {
  const nodeIp = apiVersion === 'v1beta4' ? `\n  - name: node-ip\n    value: ${address}` : `\n    node-ip: ${address}`;
  return `apiVersion: kubeadm.k8s.io/${apiVersion}
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${address}
nodeRegistration:
  kubeletExtraArgs:${nodeIp}
---
apiVersion: kubeadm.k8s.io/${apiVersion}
kind: ClusterConfiguration
controlPlaneEndpoint: ${address}:6443
kubernetesVersion: v1.31.9
apiServer:
  certSANs: [api.cluster.lab, 10.255.0.1]
networking:
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.96.0.0/12
`;
}

let joinCommand = '';
const hash = { m1: '', m2: '' };

beforeAll(async () => {
  const staged = await stageDoubles();
  cleanup = staged.cleanup;
  await Promise.all(['m1', 'w1', 'm2'].map((h) => installDoubles(fleet(), h, staged.tarball)));
});
afterAll(() => cleanup());

describe('kubeadm and kubelet doubles', () => {
  it('a fresh host\'s kubelet crash-loops until kubeadm gives it a config, as the real one', async () => {
    const journal = await sh('w1', 'sleep 1; journalctl -u kubelet --no-pager -o cat');
    expect(journal.stdout).toContain('"command failed" err="failed to load kubelet config file, path: /var/lib/kubelet/config.yaml');
    expect((await sh('w1', 'kubeadm version -o short')).stdout.trim()).toBe('v1.31.9');
  });

  it('kubeadm init starts a control plane with kubeadm\'s PKI and prints the join command', async () => {
    const m1 = fleet().host('m1').ip;
    const result = await sh('m1', 'cat > /root/kubeadm.yaml && kubeadm init --config /root/kubeadm.yaml --skip-phases=addon/kube-proxy --upload-certs', initConfig('v1beta4', m1));
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Your Kubernetes control-plane has initialized successfully!');
    expect(result.stdout).toContain('[addons] Applied essential addon: CoreDNS');
    expect(result.stdout).not.toContain('kube-proxy');
    const key = /\[upload-certs\] Using certificate key:\n([0-9a-f]{64})\n/.exec(result.stdout);
    expect(key).not.toBeNull();
    const worker = new RegExp(`\\nkubeadm join ${m1.replace(/\./g, '\\.')}:6443 --token ([a-z0-9]{6}\\.[a-z0-9]{16}) \\\\\\n\\t--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64}) \\n`).exec(result.stdout);
    expect(worker, result.stdout).not.toBeNull();
    hash.m1 = worker![2]!;
    expect(result.stdout).toContain(`--control-plane --certificate-key ${key![1]}`);

    // the CA hash is the SHA-256 of the CA's public key, as openssl computes it
    const openssl = await sh('m1', 'openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex');
    expect(`sha256:${openssl.stdout.trim().split(' ').at(-1)}`).toBe(hash.m1);
    // kubeadm's layout, real certificates: the serving cert covers the node, the service IP and the certSANs
    const files = await sh('m1', 'cd /etc/kubernetes && ls pki pki/etcd manifests && ls *.conf');
    for (const f of ['apiserver.crt', 'apiserver-kubelet-client.key', 'front-proxy-ca.crt', 'front-proxy-client.crt', 'sa.key', 'sa.pub', 'server.crt', 'peer.key', 'healthcheck-client.crt', 'kube-apiserver.yaml', 'etcd.yaml', 'admin.conf', 'super-admin.conf', 'kubelet.conf']) {
      expect(files.stdout).toContain(f);
    }
    const sans = await sh('m1', 'openssl verify -CAfile /etc/kubernetes/pki/ca.crt /etc/kubernetes/pki/apiserver.crt && openssl x509 -noout -ext subjectAltName -in /etc/kubernetes/pki/apiserver.crt');
    expect(sans.stdout).toContain('apiserver.crt: OK');
    for (const san of ['DNS:m1', 'DNS:kubernetes.default.svc.cluster.local', 'DNS:api.cluster.lab', 'IP Address:10.96.0.1', `IP Address:${m1}`, 'IP Address:10.255.0.1']) expect(sans.stdout).toContain(san);
    expect((await sh('m1', 'systemctl is-active kube-apiserver kubelet')).stdout.split('\n').slice(0, 2)).toEqual(['active', 'active']);
    expect((await sh('m1', 'grep -c -- "--service-cluster-ip-range=10.96.0.0/12" /etc/kubernetes/manifests/kube-apiserver.yaml')).stdout.trim()).toBe('1');
    // kubelet-finalize: kubelet.conf names the rotatable client certificate; extra args reach the kubelet's flags
    expect((await sh('m1', 'grep client-certificate: /etc/kubernetes/kubelet.conf')).stdout.trim()).toBe('client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem');
    expect((await sh('m1', 'cat /var/lib/kubelet/kubeadm-flags.env')).stdout.trim())
      .toBe(`KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --node-ip=${m1} --pod-infra-container-image=registry.k8s.io/pause:3.10"`);
  });

  it('the real kubectl sees the control-plane node Ready, labelled and tainted, with admin.conf', async () => {
    const ready = await kubectl('m1', 'wait --for=condition=Ready node/m1 --timeout=60s');
    expect(ready.stdout.trim()).toBe('node/m1 condition met');
    const node = JSON.parse((await kubectl('m1', 'get node m1 -o json')).stdout);
    expect(node.metadata.labels).toHaveProperty('node-role.kubernetes.io/control-plane', '');
    expect(node.spec.taints).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    const cm = await kubectl('m1', 'get configmap -n kube-public cluster-info -o jsonpath={.data}');
    expect(Object.keys(JSON.parse(cm.stdout)).some((k) => /^jws-kubeconfig-[a-z0-9]{6}$/.test(k))).toBe(true);
    expect((await kubectl('m1', 'get secret -n kube-system kubeadm-certs -o name')).stdout.trim()).toBe('secret/kubeadm-certs');
  });

  it('a second kubeadm init is refused by preflight, exit 1, as kubeadm does', async () => {
    const again = await sh('m1', 'kubeadm init --config /root/kubeadm.yaml');
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/^error execution phase preflight: \[preflight\] Some fatal errors occurred:\n/);
    expect(again.stderr).toContain('\t[ERROR Port-6443]: Port 6443 is in use\n');
    expect(again.stderr).toContain('\t[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: /etc/kubernetes/manifests/kube-apiserver.yaml already exists\n');
    expect(again.stderr).toContain('\t[ERROR Port-10250]: Port 10250 is in use\n');
    expect(again.stderr).toContain('\t[ERROR DirAvailable--var-lib-etcd]: /var/lib/etcd is not empty\n');
    expect(again.stderr).toContain('[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\nTo see the stack trace of this error execute with --v=5 or higher');
  });

  it('a bad CIDR in the config is refused with kubeadm\'s validation error and exit code 3', async () => {
    const bad = await sh('m2', 'cat > /root/bad.yaml && kubeadm init --config /root/bad.yaml', initConfig('v1beta3', fleet().host('m2').ip).replace('10.244.0.0/16', '10.244.0.0/33'));
    expect(bad.exitCode).toBe(3);
    expect(bad.stderr).toBe('networking.podSubnet: Invalid value: "10.244.0.0/33": couldn\'t parse subnet\nTo see the stack trace of this error execute with --v=5 or higher\n');
    expect((await sh('m2', 'ls /etc/kubernetes/pki 2>&1; true')).stdout).toMatch(/No such file|^$/);
  });

  it('a second cluster comes up from the seed\'s own ClusterConfiguration, and its kubeconfig user works', async () => {
    // seed 000's kubeadm-init.yaml for cluster kazuha, with this host's name as the endpoint
    const seedConfig = `controlPlaneEndpoint: m2:6443
clusterName: cluster-kzh
apiServer:
  certSANs:
  - 127.0.0.1
  - localhost
  - 10.48.10.10
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
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.94.0.0/16
`;
    const m2 = await sh('m2', 'cat > /root/kubeadm.yaml && kubeadm init --config=/root/kubeadm.yaml --skip-phases=addon/kube-proxy --upload-certs --skip-token-print', seedConfig);
    expect(m2.exitCode, m2.stderr).toBe(0);
    // offline, the version label falls back to kubeadm's own version with kubeadm's two warnings
    expect(m2.stderr).toMatch(/^W\d{4} [\d:.]+ +\d+ version\.go:104\] could not fetch a Kubernetes version from the internet: unable to get URL "https:\/\/dl\.k8s\.io\/release\/stable\.txt"/);
    expect(m2.stderr).toContain('version.go:105] falling back to the local client version: v1.31.9');
    expect(m2.stdout).toContain('[init] Using Kubernetes version: v1.31.9');
    // --skip-token-print (allowed beside --config, as every --skip-* flag): the token is withheld
    expect(m2.stdout).toMatch(/\nkubeadm join m2:6443 --token <value withheld> \\\n/);
    hash.m2 = /--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/.exec(m2.stdout)![1]!;
    expect(hash.m2).not.toBe(hash.m1);
    const user = await sh('m2', 'cd /root && kubeadm kubeconfig user --config kubeadm.yaml --client-name=kubernetes-admin-kzh --org=system:masters > /root/kzh.conf 2>/dev/null && kubectl --kubeconfig /root/kzh.conf config current-context && kubectl --kubeconfig /root/kzh.conf get svc kubernetes -o jsonpath={.spec.clusterIP}');
    expect(user.stdout.trim().split('\n'), user.stderr).toEqual(['kubernetes-admin-kzh@cluster-kzh', '10.94.0.1']);
  });

  it('a join pinning the other cluster\'s CA fails as kubeadm fails and leaves the node untouched', async () => {
    const token = (await sh('m1', 'kubeadm token create')).stdout.trim();
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const join = await sh('w1', `kubeadm join ${fleet().host('m1').ip}:6443 --token ${token} --discovery-token-ca-cert-hash ${hash.m2}`);
    expect(join.exitCode).toBe(1);
    expect(join.stderr).toBe(`error execution phase preflight: couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${hash.m1}" are pinned\nTo see the stack trace of this error execute with --v=5 or higher\n`);
    expect((await sh('w1', 'ls /etc/kubernetes')).stdout).not.toContain('kubelet.conf');
  });

  it('tokens created at the same time are each signed into cluster-info', async () => {
    const created = await sh('m1', 'kubeadm token create > /tmp/t1 & kubeadm token create > /tmp/t2 & wait; cat /tmp/t1 /tmp/t2');
    const ids = created.stdout.trim().split('\n').map((t) => t.slice(0, 6));
    expect(ids).toHaveLength(2);
    const keys = Object.keys(JSON.parse((await kubectl('m1', 'get configmap -n kube-public cluster-info -o jsonpath={.data}')).stdout));
    for (const id of ids) expect(keys).toContain(`jws-kubeconfig-${id}`);
  });

  it('a join with a token the cluster does not know fails its JWS check', async () => {
    const join = await sh('w1', `kubeadm join ${fleet().host('m1').ip}:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${hash.m1}`);
    expect(join.exitCode).toBe(1);
    expect(join.stderr).toContain('couldn\'t validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef"');
  });

  it('token create --print-join-command joins a worker, and the real kubectl sees both nodes Ready', async () => {
    const printed = await sh('m1', 'kubeadm token create --print-join-command');
    expect(printed.exitCode, printed.stderr).toBe(0);
    joinCommand = printed.stdout.replace(/\n$/, '');
    expect(joinCommand).toMatch(/^kubeadm join \S+:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64} $/);
    expect(joinCommand).toContain(hash.m1);
    // joined with a JoinConfiguration carrying what the flags carry, plus kubelet extra args
    const [, endpoint, token] = /^kubeadm join (\S+) --token (\S+) /.exec(joinCommand)!;
    const join = await sh('w1', 'cat > /root/join.yaml && kubeadm join --config /root/join.yaml', `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: ${endpoint}
    token: ${token}
    caCertHashes: [${hash.m1}]
nodeRegistration:
  kubeletExtraArgs:
  - name: node-labels
    value: lab.meshbook.io/role=worker
`);
    expect(join.exitCode, join.stderr).toBe(0);
    expect(join.stdout).toContain('This node has joined the cluster:');
    expect((await sh('w1', 'ls /etc/kubernetes /var/lib/kubelet/pki')).stdout).toContain('kubelet-client-current.pem');

    const wait = await kubectl('m1', 'wait --for=condition=Ready node --all --timeout=90s');
    expect(wait.exitCode, wait.stderr).toBe(0);
    expect(wait.stdout.trim().split('\n').sort()).toEqual(['node/m1 condition met', 'node/w1 condition met']);
    const nodes = await kubectl('m1', 'get nodes --no-headers');
    const rows = nodes.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([['m1', 'Ready', 'control-plane'], ['w1', 'Ready', '<none>']]);
    expect(rows[0]![4]).toBe('v1.31.9');
    expect((await kubectl('m1', 'get nodes -l lab.meshbook.io/role=worker -o name')).stdout.trim()).toBe('node/w1');
    const internalIp = await kubectl('m1', `get node w1 -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}'`);
    expect(internalIp.stdout).toBe(fleet().host('w1').ip);
    // the heartbeat: a Lease per node, renewed
    expect((await kubectl('m1', 'get lease -n kube-node-lease -o name')).stdout.trim().split('\n').sort()).toEqual(['lease.coordination.k8s.io/m1', 'lease.coordination.k8s.io/w1']);
    expect((await sh('w1', 'journalctl -u kubelet --no-pager -o cat | grep -c "Error updating node status"; true')).stdout.trim()).toBe('0');
    // the worker's kubelet is a node identity, not an admin
    const csr = await kubectl('m1', 'get csr -o jsonpath={.items[*].spec.username}');
    expect(csr.stdout).toMatch(/system:bootstrap:[a-z0-9]{6}/);
  });

  it('joining twice is refused by preflight', async () => {
    const again = await sh('w1', joinCommand);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists\n');
    expect(again.stderr).toContain('\t[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]: /etc/kubernetes/pki/ca.crt already exists\n');
  });

  it('kubeadm kubeconfig user gives a working kubeconfig; one from the other cluster\'s CA is refused', async () => {
    const alice = await sh('m1', 'kubeadm kubeconfig user --client-name alice --org system:masters > /root/alice.conf && kubectl --kubeconfig /root/alice.conf get nodes -o name');
    expect(alice.exitCode, alice.stderr).toBe(0);
    expect(alice.stdout.trim().split('\n')).toEqual(['node/m1', 'node/w1']);
    const bob = await sh('m1', 'kubeadm kubeconfig user --client-name bob > /root/bob.conf && kubectl --kubeconfig /root/bob.conf get nodes');
    expect(bob.exitCode).toBe(1);
    expect(bob.stderr).toContain('nodes is forbidden: User "bob" cannot list resource "nodes"');

    // mallory: system:masters, but signed by cluster m2's CA; presented to cluster m1 (whose CA the client trusts)
    const mallory = (await sh('m2', 'kubeadm kubeconfig user --client-name mallory --org system:masters')).stdout;
    const refused = await sh('m1', [
      'cat > /root/mallory.conf',
      'kubectl --kubeconfig /root/mallory.conf config view --raw -o jsonpath="{.users[0].user.client-certificate-data}" | base64 -d > /root/mallory.crt',
      'kubectl --kubeconfig /root/mallory.conf config view --raw -o jsonpath="{.users[0].user.client-key-data}" | base64 -d > /root/mallory.key',
      `kubectl --server https://${fleet().host('m1').ip}:6443 --certificate-authority /etc/kubernetes/pki/ca.crt --client-certificate /root/mallory.crt --client-key /root/mallory.key --kubeconfig /dev/null get nodes`,
    ].join(' && '), mallory);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
  });

  it('a stopped kubelet stops the heartbeat: the node goes NotReady, and Ready again when it starts', async () => {
    await sh('w1', 'systemctl stop kubelet');
    const notReady = await kubectl('m1', 'wait --for=condition=Ready=Unknown node/w1 --timeout=120s');
    expect(notReady.stdout.trim(), notReady.stderr).toBe('node/w1 condition met');
    await sh('w1', 'systemctl start kubelet');
    const ready = await kubectl('m1', 'wait --for=condition=Ready node/w1 --timeout=60s');
    expect(ready.stdout.trim(), ready.stderr).toBe('node/w1 condition met');
  }, 240_000);

  it('init phase upload-certs re-uploads the certificates with a new key', async () => {
    const upload = await sh('m1', 'kubeadm init phase upload-certs --upload-certs');
    expect(upload.exitCode, upload.stderr).toBe(0);
    expect(upload.stdout).toMatch(/^\[upload-certs\] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n\[upload-certs\] Using certificate key:\n[0-9a-f]{64}\n$/);
  });

  it('kubeadm reset -f on a control plane stops its API server, and init works again after it', async () => {
    const reset = await sh('m2', 'kubeadm reset -f');
    expect(reset.exitCode, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('[reset] Deleted contents of the etcd data directory: /var/lib/etcd');
    expect((await sh('m2', 'systemctl is-active kube-apiserver; ls /etc/kubernetes/manifests | wc -l')).stdout.trim().split('\n')).toEqual(['inactive', '0']);
    const again = await sh('m2', 'kubeadm init --config /root/kubeadm.yaml --skip-phases=addon/kube-proxy');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(/--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/.exec(again.stdout)![1]).not.toBe(hash.m2);
  });

  it('kubeadm reset -f undoes the join', async () => {
    const reset = await sh('w1', 'kubeadm reset -f');
    expect(reset.exitCode, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf /etc/kubernetes/kubelet.conf');
    expect((await sh('w1', 'find /etc/kubernetes/pki /var/lib/kubelet -mindepth 1 | wc -l; systemctl is-active kubelet')).stdout.trim().split('\n')).toEqual(['0', 'inactive']);
  });
});
