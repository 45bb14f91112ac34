import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { InitConfig } from './config.js';
import type { Layout } from './layout.js';
import { serviceUnit } from '../systemd-unit.js';

export const APISERVER_UNIT = 'kube-apiserver.service';
export const NODE_PORT_RANGE = '30000-32767';

/**
 * The flags the API server double takes (the real kube-apiserver's names for the same things);
 * `--data-dir` is the double's own: its state lives where etcd's would.
 */
export function apiServerDoubleFlags(config: InitConfig): string[] {
  const pki = (name: string) => join(config.certificatesDir, name);
  return [
    `--advertise-address=${config.advertiseAddress}`,
    `--bind-address=0.0.0.0`,
    `--secure-port=${config.bindPort}`,
    `--tls-cert-file=${pki('apiserver.crt')}`,
    `--tls-private-key-file=${pki('apiserver.key')}`,
    `--client-ca-file=${pki('ca.crt')}`,
    `--service-cluster-ip-range=${config.serviceSubnet}`,
    `--service-node-port-range=${NODE_PORT_RANGE}`,
    `--enable-bootstrap-token-auth=true`,
    `--cluster-signing-cert-file=${pki('ca.crt')}`,
    `--cluster-signing-key-file=${pki('ca.key')}`,
    `--data-dir=${config.etcdDataDir}`,
  ].map(checkedUnitWord);
}

/** systemd splits ExecStart on whitespace and expands `%` and `$`: only plain words go in unquoted. */
function checkedUnitWord(word: string): string {
  if (!/^[A-Za-z0-9_.,:/=@+\-[\]]+$/.test(word)) throw new Error(`refusing to put ${JSON.stringify(word)} on the kube-apiserver unit's command line`);
  return word;
}

/** The unit that stands where the kubelet would run kube-apiserver's static pod. */
export function apiServerUnit(config: InitConfig): string {
  const doubles = '/usr/lib/meshbook-doubles';
  return serviceUnit(
    ['Description=kube-apiserver (meshbook double, started by kubeadm init in place of the static pod)', 'After=network-online.target', 'Wants=network-online.target'],
    `${doubles}/node ${doubles}/kube-apiserver.cjs ${apiServerDoubleFlags(config).join(' ')}`,
  );
}

/** The real kube-apiserver flags kubeadm v1.31 writes into the static pod. */
function realApiServerFlags(config: InitConfig): string[] {
  const pki = config.certificatesDir;
  return [
    `--advertise-address=${config.advertiseAddress}`,
    '--allow-privileged=true',
    '--authorization-mode=Node,RBAC',
    `--client-ca-file=${pki}/ca.crt`,
    '--enable-admission-plugins=NodeRestriction',
    '--enable-bootstrap-token-auth=true',
    `--etcd-cafile=${pki}/etcd/ca.crt`,
    `--etcd-certfile=${pki}/apiserver-etcd-client.crt`,
    `--etcd-keyfile=${pki}/apiserver-etcd-client.key`,
    '--etcd-servers=https://127.0.0.1:2379',
    `--kubelet-client-certificate=${pki}/apiserver-kubelet-client.crt`,
    `--kubelet-client-key=${pki}/apiserver-kubelet-client.key`,
    '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
    `--proxy-client-cert-file=${pki}/front-proxy-client.crt`,
    `--proxy-client-key-file=${pki}/front-proxy-client.key`,
    '--requestheader-allowed-names=front-proxy-client',
    `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`,
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-username-headers=X-Remote-User',
    `--secure-port=${config.bindPort}`,
    `--service-account-issuer=https://kubernetes.default.svc.${config.dnsDomain}`,
    `--service-account-key-file=${pki}/sa.pub`,
    `--service-account-signing-key-file=${pki}/sa.key`,
    `--service-cluster-ip-range=${config.serviceSubnet}`,
    `--tls-cert-file=${pki}/apiserver.crt`,
    `--tls-private-key-file=${pki}/apiserver.key`,
  ];
}

function staticPod(name: string, command: string[], config: InitConfig, port: number, annotations: Record<string, string> = {}): string {
  const probe = (path: string, initialDelaySeconds: number) => ({
    failureThreshold: 8,
    httpGet: { host: name === 'etcd' ? '127.0.0.1' : config.advertiseAddress, path, port, scheme: name === 'etcd' ? 'HTTP' : 'HTTPS' },
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 15,
  });
  return stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      labels: { component: name, tier: 'control-plane' },
      name,
      namespace: 'kube-system',
    },
    spec: {
      containers: [{
        command,
        image: name === 'etcd' ? 'registry.k8s.io/etcd:3.5.15-0' : `registry.k8s.io/${name}:${config.kubernetesVersion}`,
        imagePullPolicy: 'IfNotPresent',
        livenessProbe: probe(name === 'etcd' ? '/livez' : '/livez', 10),
        name,
        readinessProbe: { ...probe('/readyz', 0), failureThreshold: 3, periodSeconds: 1 },
        resources: { requests: { cpu: name === 'kube-apiserver' ? '250m' : '100m' } },
        startupProbe: { ...probe('/livez', 10), failureThreshold: 24 },
        volumeMounts: [{ mountPath: config.certificatesDir, name: 'k8s-certs', readOnly: true }],
      }],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      volumes: [{ hostPath: { path: config.certificatesDir, type: 'DirectoryOrCreate' }, name: 'k8s-certs' }],
    },
    status: {},
  }, { lineWidth: 0 });
}

/** kubeadm's `etcd` and `control-plane` phases: the static pod manifests, as kubeadm writes them. */
export function writeManifests(config: InitConfig, layout: Layout, out: (line: string) => void): void {
  const write = (name: string, content: string) => writeFileSync(join(layout.manifestsDir, `${name}.yaml`), content, { mode: 0o600 });
  out(`[etcd] Creating static Pod manifest for local etcd in "/etc/kubernetes/manifests"`);
  write('etcd', staticPod('etcd', [
    'etcd', `--advertise-client-urls=https://${config.advertiseAddress}:2379`, `--data-dir=${config.etcdDataDir}`,
    `--name=${config.nodeName}`, `--cert-file=${config.certificatesDir}/etcd/server.crt`, `--key-file=${config.certificatesDir}/etcd/server.key`,
    `--listen-client-urls=https://127.0.0.1:2379,https://${config.advertiseAddress}:2379`,
  ], config, 2381));
  out(`[control-plane] Using manifest folder "/etc/kubernetes/manifests"`);
  out(`[control-plane] Creating static Pod manifest for "kube-apiserver"`);
  write('kube-apiserver', staticPod('kube-apiserver', ['kube-apiserver', ...realApiServerFlags(config)], config, config.bindPort, {
    'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${config.advertiseAddress}:${config.bindPort}`,
  }));
  out(`[control-plane] Creating static Pod manifest for "kube-controller-manager"`);
  write('kube-controller-manager', staticPod('kube-controller-manager', [
    'kube-controller-manager', '--kubeconfig=/etc/kubernetes/controller-manager.conf', `--cluster-signing-cert-file=${config.certificatesDir}/ca.crt`,
    `--cluster-signing-key-file=${config.certificatesDir}/ca.key`, '--controllers=*,bootstrapsigner,tokencleaner', '--use-service-account-credentials=true',
    ...(config.podSubnet ? ['--allocate-node-cidrs=true', `--cluster-cidr=${config.podSubnet}`] : []),
  ], config, 10257));
  out(`[control-plane] Creating static Pod manifest for "kube-scheduler"`);
  write('kube-scheduler', staticPod('kube-scheduler', ['kube-scheduler', '--kubeconfig=/etc/kubernetes/scheduler.conf', '--leader-elect=true'], config, 10259));
}
