import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caCertHash } from '../pki/certs.js';
import { readKubeconfig } from '../pki/kubeconfig.js';
import { coreDnsAddon, kubeProxyAddon } from './addons.js';
import { ApiClient } from './api-client.js';
import { CA, certsPhase, readCertAndKey } from './certs-phase.js';
import { bindClusterAdmins, bootstrapTokenPhase, markControlPlane, uploadConfig } from './cluster-objects.js';
import type { HostFacts, InitConfig } from './config.js';
import { APISERVER_UNIT, apiServerUnit, writeManifests } from './control-plane.js';
import { KubeadmError, klogWarning, phaseError } from './errors.js';
import { initDoneText } from './join-command.js';
import { finalizeKubeletConf, kubeletConfiguration, kubeletFlags, writeKubeletFiles } from './kubelet-files.js';
import { controlPlaneUrl, kubeconfigPhase } from './kubeconfig-phase.js';
import type { Layout } from './layout.js';
import { initChecks, runChecks } from './preflight.js';
import { generateToken } from './token.js';
import { newCertificateKey, uploadCerts } from './upload-certs.js';
import { waitForApiServer, waitForKubelet } from './wait.js';
import { systemctl, systemctlQuiet } from './host.js';

export const INIT_PHASES = [
  'preflight', 'certs', 'kubeconfig', 'etcd', 'control-plane', 'kubelet-start', 'wait-control-plane', 'upload-config',
  'upload-certs', 'mark-control-plane', 'bootstrap-token', 'kubelet-finalize', 'addon', 'addon/coredns', 'addon/kube-proxy',
  'show-join-command',
];

export interface InitOptions {
  config: InitConfig;
  warnings: Array<{ source: string; message: string }>;
  skipPhases: string[];
  uploadCerts: boolean;
  ignorePreflightErrors: string[];
  /** --skip-token-print: the closing join commands say `<value withheld>` instead of the token. */
  skipTokenPrint?: boolean;
  host: HostFacts;
}

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** `kubeadm init`: the phases in kubeadm's order, each printing what kubeadm prints. */
export async function init(options: InitOptions, layout: Layout, io: Output): Promise<void> {
  const { config } = options;
  const skipPhases = [...options.skipPhases, ...config.skipPhases];
  for (const phase of skipPhases) if (!INIT_PHASES.includes(phase)) throw new KubeadmError(`invalid phase name: ${phase}`);
  const skipped = (phase: string) => skipPhases.some((s) => s === phase || phase.startsWith(`${s}/`));
  for (const w of options.warnings) io.err(klogWarning(w.source, w.message));
  for (const token of config.bootstrapTokens) if (token.token === '') token.token = generateToken();

  io.out(`[init] Using Kubernetes version: ${config.kubernetesVersion}`);
  if (!skipped('preflight')) {
    io.out('[preflight] Running pre-flight checks');
    await runChecks(initChecks(layout, config.bindPort, () => systemctlQuiet('is-enabled', '--quiet', 'kubelet')), options.ignorePreflightErrors, io.out);
    io.out('[preflight] Pulling images required for setting up a Kubernetes cluster');
    io.out('[preflight] This might take a minute or two, depending on the speed of your internet connection');
    io.out("[preflight] You can also perform this action beforehand using 'kubeadm config images pull'");
  }
  for (const dir of [layout.kubernetesDir, layout.pkiDir, layout.manifestsDir]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (!skipped('certs')) certsPhase(config, layout.pkiDir, io.out);
  const ca = readCertAndKey(layout.pkiDir, CA);
  if (!skipped('kubeconfig')) kubeconfigPhase(config, ca, layout.kubernetesDir, io.out);
  if (!skipped('etcd') && !skipped('control-plane')) writeManifests(config, layout, io.out);

  const kubeletConfig = kubeletConfiguration(config.serviceSubnet, config.dnsDomain, config.componentConfigs.KubeletConfiguration);
  if (!skipped('kubelet-start')) {
    writeKubeletFiles(layout, kubeletConfig, kubeletFlags(config.criSocket, config.nodeName, options.host.hostname, config.kubeletExtraArgs), io.out);
    io.out('[kubelet-start] Starting the kubelet');
    systemctl('restart', 'kubelet');
  }
  const admin = new ApiClient(readKubeconfig(readFileSync(layout.adminConf, 'utf8')));
  const superAdmin = new ApiClient(readKubeconfig(readFileSync(layout.superAdminConf, 'utf8')));
  if (!skipped('wait-control-plane')) {
    io.out('[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"');
    // the double's stand-in for the static pod: a unit the kubelet would otherwise have started
    writeFileSync(join(layout.systemdDir, APISERVER_UNIT), apiServerUnit(config), { mode: 0o644 });
    systemctl('daemon-reload');
    systemctl('enable', '--now', APISERVER_UNIT);
    await waitForKubelet(io.out).catch((e: Error) => { throw phaseError('wait-control-plane', e.message); });
    await waitForApiServer(superAdmin, io.out).catch((e: Error) => { throw phaseError('wait-control-plane', e.message); });
  }
  const phase = async (name: string, body: () => Promise<void>) => {
    if (skipped(name)) return;
    await body().catch((e: Error) => { throw e instanceof KubeadmError ? e : phaseError(name, e.message); });
  };
  await phase('upload-config', async () => {
    await bindClusterAdmins(superAdmin);
    await uploadConfig(admin, config, kubeletConfig, io.out);
  });
  let certificateKey: string | undefined;
  await phase('upload-certs', async () => {
    if (!options.uploadCerts) return io.out('[upload-certs] Skipping phase. Please see --upload-certs');
    certificateKey = config.certificateKey ?? newCertificateKey();
    await uploadCerts(admin, layout.pkiDir, certificateKey, io.out);
  });
  await phase('mark-control-plane', () => markControlPlane(admin, config, io.out));
  await phase('bootstrap-token', () => bootstrapTokenPhase(admin, config, ca.cert, controlPlaneUrl(config), io.out));
  await phase('kubelet-finalize', async () => finalizeKubeletConf(layout, config.clusterName, io.out));
  await phase('addon/coredns', () => coreDnsAddon(admin, config, io.out));
  await phase('addon/kube-proxy', () => kubeProxyAddon(admin, config, controlPlaneUrl(config), io.out));
  if (skipped('show-join-command')) return;
  io.out('');
  io.out(initDoneText(
    { endpoint: controlPlaneUrl(config).replace(/^https:\/\//, ''), token: options.skipTokenPrint ? '<value withheld>' : config.bootstrapTokens[0]!.token, caCertHash: caCertHash(ca.cert) },
    { controlPlaneEndpoint: config.controlPlaneEndpoint !== undefined, certificateKey },
  ));
}
