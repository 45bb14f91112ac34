import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readKubeconfig, renderKubeconfig } from '../pki/kubeconfig.js';
import { storeClientCertificate } from '../kubelet/cert-store.js';
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
    // the env file is read by systemd, which splits on whitespace and interprets quotes and `$`
    if (!/^--[a-z0-9-]+=[A-Za-z0-9_.:/=,@+-]*$/.test(flag)) {
      throw new Error(`refusing to write kubelet flag ${JSON.stringify(flag)} to kubeadm-flags.env: only letters, digits and _.:/=,@+- are allowed in a value`);
    }
  }
  writeFileSync(join(layout.kubeletDir, 'kubeadm-flags.env'), `KUBELET_KUBEADM_ARGS="${flags.join(' ')}"\n`, { mode: 0o644 });
  out('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"');
  writeFileSync(join(layout.kubeletDir, 'config.yaml'), stringify(kubeletConfig), { mode: 0o644 });
}

/** The kubelet's flags as kubeadm writes them: its defaults, then kubeletExtraArgs over them, sorted by name. */
export function kubeletFlags(criSocket: string, nodeName: string, hostname: string, extraArgs: Array<{ name: string; value: string }> = []): string[] {
  const flags = new Map<string, string>([
    ['container-runtime-endpoint', criSocket],
    ['pod-infra-container-image', 'registry.k8s.io/pause:3.10'],
  ]);
  if (nodeName !== hostname) flags.set('hostname-override', nodeName);
  for (const arg of extraArgs) flags.set(arg.name, arg.value);
  return [...flags.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => `--${name}=${value}`);
}

/**
 * kubeadm's `kubelet-finalize`: the control-plane node's kubelet.conf stops embedding its client
 * certificate and names the kubelet's rotatable `kubelet-client-current.pem` instead.
 */
export function finalizeKubeletConf(layout: Layout, clusterName: string, out: (line: string) => void): void {
  out('[kubelet-finalize] Updating "/etc/kubernetes/kubelet.conf" to point to a rotatable kubelet client certificate and key');
  const creds = readKubeconfig(readFileSync(layout.kubeletConf, 'utf8'));
  if (!creds.clientCert || !creds.clientKey) return;
  const current = storeClientCertificate(join(layout.kubeletDir, 'pki'), creds.clientCert, creds.clientKey);
  writeFileSync(layout.kubeletConf, renderKubeconfig({
    clusterName, server: creds.server, caCert: creds.caCert, userName: 'default-auth', clientCertFile: current, clientKeyFile: current,
  }), { mode: 0o600 });
}
