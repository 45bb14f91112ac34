// A one-node cluster per fleet host, made by the kubeadm double (the API server double behind
// kubeadm's real PKI), for the Kubernetes module tests: the real kubectl and helm on the host.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { kubeClients, type Fleet } from '@meshbook/fleet';
import { installDoubles, stageDoubles } from './doubles.js';

const run = promisify(execFile);

/**
 * Installs the doubles (and the real kubectl) on the hosts, then `kubeadm init` on each, advertised
 * on the host's fleet address or the one `addresses` gives (a host moved to a private network).
 */
export async function initClusters(fleet: Fleet, hosts: string[], addresses: Record<string, string> = {}): Promise<() => void> {
  const staged = await stageDoubles();
  try {
    await Promise.all(hosts.map((h) => installDoubles(fleet, h, staged.tarball)));
  } finally {
    staged.cleanup();
  }
  for (const [i, host] of hosts.entries()) {
    const address = addresses[host] ?? fleet.host(host).ip;
    const config = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${address}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: cluster-${i + 1}
controlPlaneEndpoint: ${address}:6443
kubernetesVersion: v1.31.9
apiServer:
  certSANs: [127.0.0.1, localhost]
networking:
  podSubnet: 10.${240 + i}.0.0/16
  serviceSubnet: 10.96.0.0/12
`;
    const init = await fleet.exec(host, ['sh', '-c', 'cat > /root/kubeadm.yaml && kubeadm init --config /root/kubeadm.yaml --skip-phases=addon/kube-proxy'], { stdin: config });
    if (init.exitCode !== 0) throw new Error(`kubeadm init on ${host} failed: ${init.stderr}`);
    // The login user's kubeconfig names the API by the host's loopback: reachable only on the host.
    const kubeconfig = await fleet.exec(host, ['sh', '-c', `mkdir -p /root/.kube && sed "s#server: https://.*#server: https://127.0.0.1:6443#" /etc/kubernetes/admin.conf > /root/.kube/config && chmod 600 /root/.kube/config && kubectl wait --for=condition=Ready node/${host} --timeout=60s`]);
    if (kubeconfig.exitCode !== 0) throw new Error(`the kubeconfig on ${host} does not work: ${kubeconfig.stderr}`);
  }
  return () => undefined;
}

/** The real helm (the controller's copy, the version the lab's apt repository serves) in /usr/local/bin. */
export async function installHelm(fleet: Fleet, hosts: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'meshbook-helm-'));
  try {
    mkdirSync(join(dir, 'usr/local/bin'), { recursive: true });
    copyFileSync((await kubeClients()).helm, join(dir, 'usr/local/bin/helm'));
    chmodSync(join(dir, 'usr/local/bin/helm'), 0o755);
    await run('tar', ['-C', dir, '--owner=0', '--group=0', '-cf', join(dir, 'helm.tar'), 'usr']);
    const tar = readFileSync(join(dir, 'helm.tar'));
    for (const host of hosts) await new Docker().getContainer(fleet.host(host).containerId).putArchive(tar, { path: '/' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
