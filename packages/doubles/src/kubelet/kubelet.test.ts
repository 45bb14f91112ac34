import { describe, expect, it } from 'vitest';
import { parseKubeletFlags, parseNodeLabels } from './kubelet.js';

describe('kubelet flags', () => {
  it('reads what kubeadm\'s drop-in and flags file pass, and keeps other flags aside', () => {
    const flags = parseKubeletFlags([
      '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--kubeconfig=/etc/kubernetes/kubelet.conf',
      '--config=/var/lib/kubelet/config.yaml', '--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock',
      '--node-ip', '10.0.0.11', '--node-labels=a=b,lab.meshbook.io/role=worker', '--cgroup-driver=systemd',
    ]);
    expect(flags).toMatchObject({
      bootstrapKubeconfig: '/etc/kubernetes/bootstrap-kubelet.conf', kubeconfig: '/etc/kubernetes/kubelet.conf',
      config: '/var/lib/kubelet/config.yaml', nodeIp: '10.0.0.11', certDir: '/var/lib/kubelet/pki',
      ignored: ['container-runtime-endpoint', 'cgroup-driver'],
    });
    expect(parseNodeLabels(flags.nodeLabels)).toEqual({ a: 'b', 'lab.meshbook.io/role': 'worker' });
  });

  it('refuses arguments that are not flags and labels that are not key=value', () => {
    expect(() => parseKubeletFlags(['run'])).toThrow('unknown command "run" for "kubelet"');
    expect(() => parseKubeletFlags(['--node-ip'])).toThrow('flag needs an argument: --node-ip');
    expect(() => parseNodeLabels('a=b,c')).toThrow('c must be formatted as key=value');
  });
});
