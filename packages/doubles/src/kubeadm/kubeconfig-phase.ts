import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERT_VALIDITY_DAYS, newSignedCert, type CertAndKey } from '../pki/certs.js';
import { renderKubeconfig } from '../pki/kubeconfig.js';
import type { InitConfig } from './config.js';

/** The group admin.conf's user is in since v1.29; bound to cluster-admin by a ClusterRoleBinding of that name. */
export const CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins';

/** `https://host:port` for the control plane endpoint, or this node's API endpoint. */
export function controlPlaneUrl(config: InitConfig): string {
  if (config.controlPlaneEndpoint) {
    const hasPort = /:\d+$/.test(config.controlPlaneEndpoint) && !/^[^[]*:.*:/.test(config.controlPlaneEndpoint);
    return `https://${hasPort ? config.controlPlaneEndpoint : `${config.controlPlaneEndpoint}:${config.bindPort}`}`;
  }
  return localApiUrl(config);
}

export function localApiUrl(config: InitConfig): string {
  const host = config.advertiseAddress.includes(':') ? `[${config.advertiseAddress}]` : config.advertiseAddress;
  return `https://${host}:${config.bindPort}`;
}

/** A kubeconfig whose user is a client certificate (CN = user, O = groups) signed by the cluster CA. */
export function clientKubeconfig(
  ca: CertAndKey,
  server: string,
  clusterName: string,
  userName: string,
  organizations: string[],
  validityDays = CERT_VALIDITY_DAYS,
): string {
  const client = newSignedCert(ca, { commonName: userName, organizations, usages: ['client'], validityDays });
  return renderKubeconfig({ clusterName, server, caCert: ca.cert, userName, clientCert: client.cert, clientKey: client.key });
}

/** kubeadm's `kubeconfig` phase: one file per identity, each with its own client certificate. */
export function kubeconfigPhase(config: InitConfig, ca: CertAndKey, kubernetesDir: string, out: (line: string) => void): void {
  out(`[kubeconfig] Using kubeconfig folder "/etc/kubernetes"`);
  const files: Array<[string, string, string[], string]> = [
    ['admin.conf', 'kubernetes-admin', [CLUSTER_ADMINS_GROUP], controlPlaneUrl(config)],
    ['super-admin.conf', 'kubernetes-super-admin', ['system:masters'], controlPlaneUrl(config)],
    ['kubelet.conf', `system:node:${config.nodeName}`, ['system:nodes'], controlPlaneUrl(config)],
    ['controller-manager.conf', 'system:kube-controller-manager', [], localApiUrl(config)],
    ['scheduler.conf', 'system:kube-scheduler', [], localApiUrl(config)],
  ];
  for (const [file, user, groups, server] of files) {
    out(`[kubeconfig] Writing "${file}" kubeconfig file`);
    writeFileSync(join(kubernetesDir, file), clientKubeconfig(ca, server, config.clusterName, user, groups), { mode: 0o600 });
  }
}
