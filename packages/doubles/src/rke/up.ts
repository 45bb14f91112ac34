import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { renderKubeconfig } from '../pki/kubeconfig.js';
import { parseClusterConfig, RkeConfigError, type RkeConfig } from './cluster-config.js';
import { certificatesFor, KUBE_ADMIN, KUBE_CA, SSL_DIR, type CertificatesBundle } from './certificates.js';
import { NodeConnection, RkeHostError } from './dialer.js';
import { applyNodePlan, waitForHttps } from './apply-node.js';
import { apiServerNode, planNode } from './node-plan.js';

export interface UpOptions {
  configFile: string;
  /** where the runtime's doubles are (dist/bin: kube-apiserver.cjs, kubelet.cjs) */
  binDir: string;
  /** the node runtime copied to the nodes (the controller's own node) */
  nodeRuntime: string;
  log: (line: string) => void;
}

interface RkeState {
  desiredState: { rkeConfig: unknown; certificatesBundle: CertificatesBundle };
  currentState: { rkeConfig: unknown; certificatesBundle: CertificatesBundle };
}

/** RKE's file names beside cluster.yml: `kube_config_<name>.yml` and `<name>.rkestate`. */
export function outputFiles(configFile: string): { kubeconfig: string; state: string } {
  const base = configFile.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  const dir = dirname(configFile);
  return { kubeconfig: join(dir, `kube_config_${base}.yml`), state: join(dir, `${base}.rkestate`) };
}

/** Writes a file only when its content differs, so a second `rke up` leaves it untouched. */
function writeIfChanged(path: string, content: string, mode: number): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false;
  writeFileSync(path, content, { mode });
  return true;
}

/** `rke up`: every node checked, the control plane and the kubelets started, the kubeconfig and state written. */
export async function up(options: UpOptions): Promise<void> {
  const { log } = options;
  let raw: string;
  try {
    raw = readFileSync(options.configFile, 'utf8');
  } catch (error) {
    throw new RkeConfigError(`Failed to resolve cluster file: Can not find cluster configuration file: ${(error as Error).message}`);
  }
  const config = parseClusterConfig(raw);
  const files = outputFiles(options.configFile);
  const previous = existsSync(files.state) ? (JSON.parse(readFileSync(files.state, 'utf8')) as RkeState).currentState?.certificatesBundle ?? {} : {};
  log('Initiating Kubernetes cluster');
  const bundle = certificatesFor(config, previous, log);
  const connections: NodeConnection[] = [];
  try {
    for (const node of config.nodes) {
      log(`[dialer] Setup tunnel for host [${node.address}]`);
      const conn = await NodeConnection.open(node);
      connections.push(conn);
      await conn.dockerInfo();
    }
    if (config.networkPlugin !== 'none') log(`[network] The double deploys no network plugin: ${config.networkPlugin} is not started`);
    const api = apiServerNode(config);
    const ordered = [...connections].sort((a, b) => Number(b.node === api) - Number(a.node === api));
    for (const conn of ordered) {
      const changed = await applyNodePlan(conn, planNode(config, conn.node, bundle, options.binDir, options.nodeRuntime), log);
      log(`[${conn.node === api ? 'controlplane' : 'worker'}] ${changed ? 'Successfully started' : 'Already up to date:'} host [${conn.node.address}]`);
      if (conn.node === api && !(await waitForHttps(conn, 'https://127.0.0.1:6443/healthz', { ca: `${SSL_DIR}/kube-ca.pem` }, 60_000))) {
        throw new RkeHostError(`[controlPlane] Failed to bring up Control Plane: [Failed to verify healthcheck: Service [kube-apiserver] is not healthy on host [${api.address}]]`);
      }
    }
    for (const conn of connections) {
      const url = `https://${api.internalAddress}:6443/api/v1/nodes/${encodeURIComponent(conn.node.nodeName)}`;
      const ok = await waitForHttps(conn, url, { ca: `${SSL_DIR}/kube-ca.pem`, cert: `${SSL_DIR}/kube-node.pem`, key: `${SSL_DIR}/kube-node-key.pem` }, 60_000);
      if (!ok) throw new RkeHostError(`[workerPlane] Failed to bring up Worker Plane: node [${conn.node.nodeName}] did not register with the API server`);
    }
  } finally {
    for (const conn of connections) conn.close();
  }
  writeOutputs(config, raw, bundle, files, log);
  log('Finished building Kubernetes cluster successfully');
}

function writeOutputs(config: RkeConfig, raw: string, bundle: CertificatesBundle, files: { kubeconfig: string; state: string }, log: (line: string) => void): void {
  const rkeConfig = parse(raw) as unknown;
  const state: RkeState = { desiredState: { rkeConfig, certificatesBundle: bundle }, currentState: { rkeConfig, certificatesBundle: bundle } };
  if (writeIfChanged(files.state, `${JSON.stringify(state, null, 2)}\n`, 0o600)) log(`Writing cluster state file: ${files.state}`);
  const admin = bundle[KUBE_ADMIN]!;
  const kubeconfig = renderKubeconfig({
    // RKE names the admin kubeconfig's cluster, context and user after cluster.yml's cluster_name (default local)
    clusterName: config.clusterName, contextName: config.clusterName, server: `https://${apiServerNode(config).address}:6443`, caCert: bundle[KUBE_CA]!.certificatePEM,
    userName: `kube-admin-${config.clusterName}`, clientCert: admin.certificatePEM, clientKey: admin.keyPEM,
  });
  if (writeIfChanged(files.kubeconfig, kubeconfig, 0o600)) log(`[reconcile] Rebuilding and updating local kube config\nSuccessfully Deployed local admin kubeconfig at [${files.kubeconfig}]`);
}
