import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { hostFacts } from '../kubeadm/host.js';
import { parse } from 'yaml';
import { ApiClient, ApiError } from '../kubeadm/api-client.js';
import { readKubeconfig } from '../pki/kubeconfig.js';
import { initialNode, nodeConditions } from './node-status.js';
import { tlsBootstrap } from './tls-bootstrap.js';

export interface KubeletFlags {
  kubeconfig?: string;
  bootstrapKubeconfig?: string;
  config?: string;
  hostnameOverride?: string;
  nodeIp?: string;
  nodeLabels?: string;
  certDir: string;
  /** real kubelet flags this double takes but has no use for (cgroup driver, eviction, …) */
  ignored: string[];
}

/** The kubelet flags the double acts on; other well-formed flags (kubeletExtraArgs) are logged and ignored. */
const USED_FLAGS: Record<string, keyof KubeletFlags> = {
  kubeconfig: 'kubeconfig', 'bootstrap-kubeconfig': 'bootstrapKubeconfig', config: 'config',
  'hostname-override': 'hostnameOverride', 'node-ip': 'nodeIp', 'node-labels': 'nodeLabels', 'cert-dir': 'certDir',
};

export function parseKubeletFlags(argv: string[]): KubeletFlags {
  const flags: KubeletFlags = { certDir: '/var/lib/kubelet/pki', ignored: [] };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`unknown command "${argv[i]}" for "kubelet": the kubelet takes flags only`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`flag needs an argument: ${argv[i - 1]}`);
    const key = USED_FLAGS[m[1]!];
    if (key) (flags as unknown as Record<string, string>)[key] = value;
    else flags.ignored.push(m[1]!);
  }
  return flags;
}

/** `--node-labels=k=v,k2=v2`, refused when a pair is not `key=value` as the kubelet refuses it. */
export function parseNodeLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of (text ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`invalid argument "${text}" for "--node-labels" flag: ${pair} must be formatted as key=value`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

/** klog's line format for the journal: `I1201 08:41:23.123456    1234 kubelet.go:1] message`. */
export function klog(level: 'I' | 'E' | 'W', message: string, source = 'kubelet.go:1'): void {
  const now = new Date();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}.${pad(now.getUTCMilliseconds() * 1000, 6)}`;
  process.stderr.write(`${level}${stamp} ${String(process.pid).padStart(7)} ${source}] ${message}\n`);
}

/**
 * The kubelet's choice of InternalIP without --node-ip: the node name's address if it resolves to
 * a non-loopback one (/etc/hosts), else the address of the default route's interface.
 */
async function nodeAddress(nodeName: string, override?: string): Promise<string> {
  if (override) return override;
  const resolved = await lookup(nodeName, { family: 4 }).then((r) => r.address, () => undefined);
  if (resolved && !resolved.startsWith('127.')) return resolved;
  return hostFacts().defaultAddress;
}

/** The healthz endpoint kubeadm waits on (127.0.0.1:10248) and the kubelet API port (10250). */
function listen(port: number, host: string | undefined, status: number, body: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((_req, res) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(body);
    });
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export const HEARTBEAT_MS = 10_000;

/**
 * The kubelet double: once the node has credentials (kubelet.conf, or a bootstrap kubeconfig to
 * get them with), it registers its Node and keeps it Ready with a heartbeat every 10 s: the
 * Ready condition's lastHeartbeatTime and the node's Lease. Stopped, it stops renewing both, and
 * the API server's node lifecycle controller takes the node out of Ready, as in a real cluster.
 */
export async function runKubelet(argv: string[]): Promise<never> {
  const flags = parseKubeletFlags(argv);
  const labels = parseNodeLabels(flags.nodeLabels);
  if (flags.ignored.length > 0) klog('I', `"Flags the kubelet double takes and ignores" flags="${flags.ignored.join(',')}"`);
  const configPath = flags.config ?? '/var/lib/kubelet/config.yaml';
  if (!existsSync(configPath)) {
    throw new Error(`failed to load kubelet config file, path: ${configPath}, error: failed to load Kubelet config file ${configPath}, error failed to read kubelet config file "${configPath}", error: open ${configPath}: no such file or directory`);
  }
  const kubeletConfig = (parse(readFileSync(configPath, 'utf8')) ?? {}) as { healthzPort?: number; healthzBindAddress?: string };
  const kubeconfig = flags.kubeconfig ?? '/etc/kubernetes/kubelet.conf';
  const nodeName = (flags.hostnameOverride ?? hostname()).toLowerCase();
  if (!existsSync(kubeconfig)) {
    if (!flags.bootstrapKubeconfig || !existsSync(flags.bootstrapKubeconfig)) {
      throw new Error(`failed to run Kubelet: unable to load bootstrap kubeconfig: stat ${flags.bootstrapKubeconfig ?? kubeconfig}: no such file or directory`);
    }
  }
  await listen(kubeletConfig.healthzPort ?? 10248, kubeletConfig.healthzBindAddress ?? '127.0.0.1', 200, 'ok');
  await listen(10250, undefined, 401, 'Unauthorized');
  if (!existsSync(kubeconfig)) {
    klog('I', `"Client rotation is on, will bootstrap in background"`);
    await tlsBootstrap({ bootstrapKubeconfig: flags.bootstrapKubeconfig!, kubeconfig, certDir: flags.certDir, nodeName, log: (l) => klog('I', l) });
  }
  const client = new ApiClient(readKubeconfig(readFileSync(kubeconfig, 'utf8')));
  const address = await nodeAddress(nodeName, flags.nodeIp);
  await registerNode(client, nodeName, address, labels);
  const since = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (;;) {
    await heartbeat(client, nodeName, since).catch((error: Error) => klog('E', `"Error updating node status, will retry" err="${error.message}"`));
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS));
  }
}

async function registerNode(client: ApiClient, name: string, address: string, labels: Record<string, string>): Promise<void> {
  klog('I', `"Attempting to register node" node="${name}"`);
  for (;;) {
    try {
      const node = initialNode(name, address, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')) as { metadata: { labels: Record<string, string> } };
      Object.assign(node.metadata.labels, labels);
      await client.create('/api/v1/nodes', node);
      klog('I', `"Successfully registered node" node="${name}"`);
      return;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return;
      klog('E', `"Unable to register node with API server" err="${(error as Error).message}" node="${name}"`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function heartbeat(client: ApiClient, name: string, since: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.mergePatch(`/api/v1/nodes/${encodeURIComponent(name)}/status`, { status: { conditions: nodeConditions(now, since) } });
  await renewLease(client, name, now.replace('Z', '.000000Z'));
}

async function renewLease(client: ApiClient, name: string, now: string): Promise<void> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${encodeURIComponent(name)}`;
  const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now };
  try {
    await client.mergePatch(path, { spec });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    await client.create('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec,
    });
  }
}
