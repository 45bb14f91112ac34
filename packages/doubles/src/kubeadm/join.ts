import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { caCertHash } from '../pki/certs.js';
import { readKubeconfig, renderKubeconfig } from '../pki/kubeconfig.js';
import { ApiClient, ApiError } from './api-client.js';
import { KubeadmError, phaseError, validationError } from './errors.js';
import type { Output } from './init.js';
import { kubeletConfiguration, kubeletFlags, writeKubeletFiles } from './kubelet-files.js';
import type { Layout } from './layout.js';
import { joinChecks, runChecks } from './preflight.js';
import { splitToken, detachedJwsIsValid } from './token.js';
import { systemctl, systemctlQuiet } from './host.js';
import { sleep, waitForKubelet } from './wait.js';
import { BOOTSTRAP_TOKEN_RE } from './config.js';

export interface JoinOptions {
  endpoint: string;
  token: string;
  caCertHashes: string[];
  unsafeSkipCAVerification: boolean;
  nodeName: string;
  hostname: string;
  criSocket: string;
  kubeletExtraArgs: Array<{ name: string; value: string }>;
  ignorePreflightErrors: string[];
  controlPlane: boolean;
  discoveryTimeoutMs?: number;
  tlsBootstrapTimeoutMs?: number;
}

export function validateJoinOptions(options: JoinOptions): void {
  if (options.controlPlane) {
    throw new KubeadmError('joining a control-plane node is not supported by the lab\'s kubeadm double: it runs one API server per cluster');
  }
  const errors = [];
  if (!BOOTSTRAP_TOKEN_RE.test(options.token)) errors.push({ path: 'discovery.bootstrapToken.token', value: options.token, detail: 'the bootstrap token is invalid' });
  if (!options.endpoint) errors.push({ path: 'discovery.bootstrapToken.apiServerEndpoint', value: '', detail: 'the apiServerEndpoint must be set', type: 'Required value' as const });
  if (options.caCertHashes.length === 0 && !options.unsafeSkipCAVerification) {
    errors.push({
      path: 'discovery.bootstrapToken.caCertHashes', value: '',
      detail: 'using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue',
    });
  }
  for (const hash of options.caCertHashes) {
    if (!/^sha256:[0-9a-f]{64}$/i.test(hash)) {
      errors.push({ path: 'discovery.bootstrapToken.caCertHashes', value: hash, detail: 'invalid hash, expected "format:hex-value". Known format(s) are: sha256' });
    }
  }
  if (errors.length > 0) throw validationError(errors);
}

interface ClusterInfo {
  server: string;
  caCert: string;
  kubeconfig: string;
}

/**
 * Token discovery (kubeadm's discovery/token): fetch cluster-info without trusting the server,
 * check its JWS with the token, pin the CA by its public-key hash, then fetch it again over a
 * verified connection and require the same content.
 */
export async function discoverClusterInfo(options: JoinOptions): Promise<ClusterInfo> {
  const { id, secret } = splitToken(options.token);
  const server = `https://${options.endpoint}`;
  const path = '/api/v1/namespaces/kube-public/configmaps/cluster-info';
  const deadline = Date.now() + (options.discoveryTimeoutMs ?? 300_000);
  let configMap: { data?: Record<string, string> } | undefined;
  while (!configMap) {
    try {
      configMap = await new ApiClient({ server, insecure: true, timeoutMs: 5_000 }).get(path);
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`couldn't validate the identity of the API Server: failed to request the cluster-info ConfigMap: ${clientGoWords(`${server}${path}`, error as NodeJS.ErrnoException)}`);
      }
      await sleep(1000);
    }
  }
  const kubeconfig = configMap.data?.kubeconfig;
  if (!kubeconfig) throw new Error("couldn't validate the identity of the API Server: there is no kubeconfig key in the cluster-info ConfigMap");
  const jws = configMap.data?.[`jws-kubeconfig-${id}`];
  if (!jws) throw new Error(`couldn't validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "${id}"`);
  if (!detachedJwsIsValid(jws, kubeconfig, id, secret)) {
    throw new Error("couldn't validate the identity of the API Server: failed to verify JWS signature of received cluster info object, can't trust this API Server");
  }
  const info = readKubeconfig(kubeconfig);
  if (!options.unsafeSkipCAVerification) {
    const actual = caCertHash(info.caCert);
    if (!options.caCertHashes.some((h) => h.toLowerCase() === actual)) {
      throw new Error(`couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${actual}" are pinned`);
    }
  }
  const secure = await new ApiClient({ server, caCert: info.caCert, timeoutMs: 10_000 }).get<{ data?: Record<string, string> }>(path).catch((error: Error) => {
    throw new Error(`couldn't validate the identity of the API Server: failed to request cluster-info over a verified connection: ${error.message}`);
  });
  if (secure.data?.kubeconfig !== kubeconfig) {
    throw new Error("couldn't validate the identity of the API Server: cluster info fetched with the trusted CA differs from the one first received");
  }
  return { server: info.server, caCert: info.caCert, kubeconfig };
}

/** A connection error as client-go words it: `Get "URL?timeout=10s": dial tcp HOST:PORT: connect: connection refused`. */
function clientGoWords(url: string, error: NodeJS.ErrnoException): string {
  const address = new URL(url).host;
  const dial: Record<string, string> = { ECONNREFUSED: 'connect: connection refused', EHOSTUNREACH: 'connect: no route to host', ETIMEDOUT: 'i/o timeout' };
  const reason = error.code && dial[error.code] ? `dial tcp ${address}: ${dial[error.code]}` : error.message;
  return `Get "${url}?timeout=10s": ${reason}`;
}

/** `kubeadm join` of a worker: discovery, then the kubelet's TLS bootstrap with the token. */
export async function joinNode(options: JoinOptions, layout: Layout, io: Output): Promise<void> {
  validateJoinOptions(options);
  io.out('[preflight] Running pre-flight checks');
  await runChecks(joinChecks(layout, () => systemctlQuiet('is-enabled', '--quiet', 'kubelet')), options.ignorePreflightErrors, io.out);
  const info = await discoverClusterInfo(options).catch((e: Error) => { throw phaseError('preflight', e.message); });
  const bootstrap = new ApiClient({ server: info.server, caCert: info.caCert, token: options.token });
  io.out('[preflight] Reading configuration from the cluster...');
  io.out("[preflight] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'");
  let kubeletConfig: Record<string, unknown>;
  try {
    const clusterConfig = parse((await bootstrap.get<{ data: Record<string, string> }>('/api/v1/namespaces/kube-system/configmaps/kubeadm-config')).data.ClusterConfiguration ?? '{}') as { networking?: { serviceSubnet?: string; dnsDomain?: string } };
    const kubeletCm = await bootstrap.get<{ data: Record<string, string> }>('/api/v1/namespaces/kube-system/configmaps/kubelet-config').catch(() => undefined);
    kubeletConfig = kubeletCm?.data.kubelet
      ? (parse(kubeletCm.data.kubelet) as Record<string, unknown>)
      : kubeletConfiguration(clusterConfig.networking?.serviceSubnet ?? '10.96.0.0/12', clusterConfig.networking?.dnsDomain ?? 'cluster.local');
  } catch (error) {
    const detail = error instanceof ApiError ? `${error.message}` : (error as Error).message;
    throw phaseError('preflight', `unable to fetch the kubeadm-config ConfigMap: ${detail}`);
  }
  mkdirSync(layout.pkiDir, { recursive: true, mode: 0o755 });
  writeFileSync(join(layout.pkiDir, 'ca.crt'), info.caCert, { mode: 0o644 });
  writeFileSync(layout.bootstrapKubeletConf, renderKubeconfig({
    clusterName: 'kubernetes', server: info.server, caCert: info.caCert, userName: 'tls-bootstrap-token-user', token: options.token,
  }), { mode: 0o600 });
  writeKubeletFiles(layout, kubeletConfig, kubeletFlags(options.criSocket, options.nodeName, options.hostname, options.kubeletExtraArgs), io.out);
  io.out('[kubelet-start] Starting the kubelet');
  systemctl('restart', 'kubelet');
  await waitForKubelet(io.out).catch((e: Error) => { throw phaseError('kubelet-start', e.message); });
  io.out('[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap');
  const deadline = Date.now() + (options.tlsBootstrapTimeoutMs ?? 240_000);
  while (!existsSync(layout.kubeletConf)) {
    if (Date.now() > deadline) {
      throw phaseError('kubelet-start', "timed out waiting for the condition: the kubelet did not write /etc/kubernetes/kubelet.conf; see 'journalctl -xeu kubelet'");
    }
    await sleep(250);
  }
  io.out('');
  io.out('This node has joined the cluster:');
  io.out('* Certificate signing request was sent to apiserver and a response was received.');
  io.out('* The Kubelet was informed of the new secure connection details.');
  io.out('');
  io.out("Run 'kubectl get nodes' on the control-plane to see this node join the cluster.");
  io.out('');
}
