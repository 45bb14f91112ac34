import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { renderKubeconfig } from '../pki/kubeconfig.js';
import type { RkeConfig, RkeNode } from './cluster-config.js';
import { KUBE_APISERVER, KUBE_CA, nodeCertName, SSL_DIR, type CertificatesBundle } from './certificates.js';

export const DOUBLES_LIB = '/usr/lib/meshbook-doubles';
export const APISERVER_UNIT = 'kube-apiserver.service';
export const KUBELET_UNIT = 'kubelet.service';
const UNIT_DIR = '/etc/systemd/system';
/** Where RKE keeps etcd's data: the API server double's state lives there instead. */
const APISERVER_DATA_DIR = '/var/lib/etcd';

export interface PlannedFile {
  path: string;
  /** a local file to copy (the runtime and the doubles), or the content itself */
  from?: string;
  content?: string;
  mode: number;
  /** the units that must restart when this file changes */
  units: string[];
}

export interface NodePlan {
  files: PlannedFile[];
  units: string[];
}

/** systemd splits ExecStart on whitespace and expands `%` and `$`: only plain words go in. */
function unitWord(word: string): string {
  if (!/^[A-Za-z0-9_.,:/=@+\-[\]]+$/.test(word)) throw new Error(`refusing to put ${JSON.stringify(word)} on a unit's command line`);
  return word;
}

function unit(description: string, command: string[]): string {
  return [
    '[Unit]', `Description=${description}`, 'After=network-online.target', 'Wants=network-online.target', '',
    '[Service]', `ExecStart=${command.map(unitWord).join(' ')}`, 'Restart=always', 'RestartSec=2', '',
    '[Install]', 'WantedBy=multi-user.target', '',
  ].join('\n');
}

/** The API server runs on the first control-plane node (the double keeps one API server per cluster). */
export const apiServerNode = (config: RkeConfig): RkeNode => config.nodes.find((n) => n.role.includes('controlplane'))!;

/**
 * What a node gets, where RKE would start its containers through Docker: the runtime and the
 * doubles (RKE's images), the certificates it deploys under /etc/kubernetes/ssl, and systemd
 * units for the API server double (first control-plane node) and the kubelet double (every node).
 */
export function planNode(config: RkeConfig, node: RkeNode, bundle: CertificatesBundle, binDir: string, nodeRuntime: string): NodePlan {
  const ca = bundle[KUBE_CA]!;
  const own = bundle[nodeCertName(node.nodeName)]!;
  const api = apiServerNode(config);
  const files: PlannedFile[] = [
    { path: `${DOUBLES_LIB}/node`, from: nodeRuntime, mode: 0o755, units: [KUBELET_UNIT] },
    { path: `${DOUBLES_LIB}/kubelet.cjs`, from: join(binDir, 'kubelet.cjs'), mode: 0o644, units: [KUBELET_UNIT] },
    { path: `${SSL_DIR}/kube-ca.pem`, content: ca.certificatePEM, mode: 0o644, units: [KUBELET_UNIT] },
    { path: `${SSL_DIR}/kube-node.pem`, content: own.certificatePEM, mode: 0o644, units: [KUBELET_UNIT] },
    { path: `${SSL_DIR}/kube-node-key.pem`, content: own.keyPEM, mode: 0o600, units: [KUBELET_UNIT] },
    {
      path: `${SSL_DIR}/kubecfg-kube-node.yaml`,
      content: renderKubeconfig({
        clusterName: 'local', server: `https://${api.internalAddress}:6443`, caCert: ca.certificatePEM, userName: 'kube-node',
        clientCertFile: `${SSL_DIR}/kube-node.pem`, clientKeyFile: `${SSL_DIR}/kube-node-key.pem`,
      }),
      mode: 0o644,
      units: [KUBELET_UNIT],
    },
    {
      path: '/var/lib/kubelet/config.yaml',
      content: stringify({
        apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration',
        clusterDNS: [config.clusterDnsServer], clusterDomain: config.clusterDomain, healthzBindAddress: '127.0.0.1', healthzPort: 10248,
      }),
      mode: 0o644,
      units: [KUBELET_UNIT],
    },
    {
      path: `${UNIT_DIR}/${KUBELET_UNIT}`,
      content: unit('kubelet (meshbook double, started by rke up in place of the kubelet container)', [
        `${DOUBLES_LIB}/node`, `${DOUBLES_LIB}/kubelet.cjs`,
        `--kubeconfig=${SSL_DIR}/kubecfg-kube-node.yaml`, '--config=/var/lib/kubelet/config.yaml',
        `--hostname-override=${node.nodeName}`, `--node-ip=${node.internalAddress}`,
        `--node-labels=${node.role.map((r) => `node-role.kubernetes.io/${r}=true`).join(',')}`,
      ]),
      mode: 0o644,
      units: [KUBELET_UNIT],
    },
  ];
  const units = [KUBELET_UNIT];
  if (node === api) {
    const apiCert = bundle[KUBE_APISERVER]!;
    files.push(
      { path: `${DOUBLES_LIB}/kube-apiserver.cjs`, from: join(binDir, 'kube-apiserver.cjs'), mode: 0o644, units: [APISERVER_UNIT] },
      { path: `${SSL_DIR}/kube-ca-key.pem`, content: ca.keyPEM, mode: 0o600, units: [APISERVER_UNIT] },
      { path: `${SSL_DIR}/kube-apiserver.pem`, content: apiCert.certificatePEM, mode: 0o644, units: [APISERVER_UNIT] },
      { path: `${SSL_DIR}/kube-apiserver-key.pem`, content: apiCert.keyPEM, mode: 0o600, units: [APISERVER_UNIT] },
      {
        path: `${UNIT_DIR}/${APISERVER_UNIT}`,
        content: unit('kube-apiserver (meshbook double, started by rke up in place of the kube-apiserver container)', [
          `${DOUBLES_LIB}/node`, `${DOUBLES_LIB}/kube-apiserver.cjs`,
          `--advertise-address=${node.internalAddress}`, '--bind-address=0.0.0.0', '--secure-port=6443',
          `--tls-cert-file=${SSL_DIR}/kube-apiserver.pem`, `--tls-private-key-file=${SSL_DIR}/kube-apiserver-key.pem`,
          `--client-ca-file=${SSL_DIR}/kube-ca.pem`, `--service-cluster-ip-range=${config.serviceClusterIpRange}`,
          '--service-node-port-range=30000-32767',
          `--cluster-signing-cert-file=${SSL_DIR}/kube-ca.pem`, `--cluster-signing-key-file=${SSL_DIR}/kube-ca-key.pem`,
          // kube-controller-manager's, as RKE passes them (--allocate-node-cidrs): the double runs its controllers
          `--cluster-cidr=${config.clusterCidr}`,
          `--data-dir=${APISERVER_DATA_DIR}`,
        ]),
        mode: 0o644,
        units: [APISERVER_UNIT],
      },
    );
    // the API server first: the kubelet registers against it
    units.unshift(APISERVER_UNIT);
    // the runtime change restarts both
    files[0]!.units.push(APISERVER_UNIT);
  }
  return { files, units };
}

export function fileBytes(file: PlannedFile): Buffer {
  return file.from !== undefined ? readFileSync(file.from) : Buffer.from(file.content ?? '');
}
