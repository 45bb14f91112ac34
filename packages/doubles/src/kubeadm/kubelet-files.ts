import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ipv4InSubnet, parseCidr } from './cidr.js';
import type { Layout } from './layout.js';

/** kubeadm's defaults for the cluster's KubeletConfiguration, under what the config file gives. */
export function kubeletConfiguration(serviceSubnet: string, dnsDomain: string, given: Record<string, unknown> = {}): Record<string, unknown> {
  const cidr = parseCidr(serviceSubnet.split(',')[0]!);
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    authentication: { anonymous: { enabled: false }, webhook: { cacheTTL: '0s', enabled: true }, x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } },
    authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } },
    cgroupDriver: 'systemd',
    clusterDNS: [cidr && cidr.bits === 32 ? ipv4InSubnet(cidr, 10) : '10.96.0.10'],
    clusterDomain: dnsDomain,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    kind: 'KubeletConfiguration',
    rotateCertificates: true,
    staticPodPath: '/etc/kubernetes/manifests',
    ...given,
  };
}

/** kubeadm's `kubelet-start` files: the config and the flags env file the kubelet unit reads. */
export function writeKubeletFiles(layout: Layout, kubeletConfig: Record<string, unknown>, flags: string[], out: (line: string) => void): void {
  mkdirSync(layout.kubeletDir, { recursive: true, mode: 0o700 });
  out('[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"');
  for (const flag of flags) {
    if (!/^--[a-z0-9-]+=[A-Za-z0-9_.:/=,@-]+$/.test(flag)) throw new Error(`refusing to write kubelet flag ${JSON.stringify(flag)}`);
  }
  writeFileSync(join(layout.kubeletDir, 'kubeadm-flags.env'), `KUBELET_KUBEADM_ARGS="${flags.join(' ')}"\n`, { mode: 0o644 });
  out('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"');
  writeFileSync(join(layout.kubeletDir, 'config.yaml'), stringify(kubeletConfig), { mode: 0o644 });
}

export function kubeletFlags(criSocket: string, nodeName: string, hostname: string): string[] {
  return [
    `--container-runtime-endpoint=${criSocket}`,
    '--pod-infra-container-image=registry.k8s.io/pause:3.10',
    ...(nodeName !== hostname ? [`--hostname-override=${nodeName}`] : []),
  ];
}
