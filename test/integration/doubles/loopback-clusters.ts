// Two clusters on this machine for the cilium double's tests: two kube-apiserver doubles on two
// loopback addresses picked at random in 127/8 (so runs in parallel do not meet on one port;
// each cluster its own CA and admin client certificate), one kubeconfig with both
// contexts, the real kubectl, and the cilium and clustermesh-apiserver doubles built from source.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { kubeClients } from '@meshbook/fleet';
import { generateCa, issueCertificate } from '../../../packages/doubles/src/cilium/pki.js';

const run = promisify(execFile);
const doublesDir = resolve(import.meta.dirname, '../../../packages/doubles');

export interface LoopbackCluster {
  name: string;
  id: number;
  context: string;
  address: string;
  apiPort: number;
  process: ChildProcess;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LoopbackClusters {
  dir: string;
  kubeconfig: string;
  clusters: [LoopbackCluster, LoopbackCluster];
  kubectl(context: string, args: string[], input?: string): Promise<Result>;
  cilium(args: string[]): Promise<Result>;
  /** The clustermesh-apiserver double's log of a cluster, for failure messages. */
  daemonLog(cluster: string): string;
  destroy(): Promise<void>;
}

async function bundle(dir: string, names: string[]): Promise<void> {
  for (const name of names) {
    await build({
      absWorkingDir: doublesDir,
      entryPoints: [join('src/bin', `${name}.ts`)],
      outfile: join(dir, `${name}.cjs`),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'error',
    });
  }
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Result> {
  return new Promise((resolvePromise) => {
    const child = execFile(file, args, { env, maxBuffer: 16 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function freePort(host: string): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((r, j) => {
    const s = createServer();
    s.once('error', j);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => r(port));
    });
  });
}

export async function startLoopbackClusters(): Promise<LoopbackClusters> {
  const dir = mkdtempSync(join(tmpdir(), 'cilium-double-'));
  const binDir = join(dir, 'bin');
  await bundle(binDir, ['kube-apiserver', 'cilium', 'clustermesh-apiserver']);
  const { kubectl } = await kubeClients();
  const net = `127.${1 + Math.floor(Math.random() * 254)}.${1 + Math.floor(Math.random() * 254)}`;
  const specs = [
    { name: 'cluster-ayk', id: 1, address: `${net}.1`, user: 'kubernetes-admin-ayk' },
    { name: 'cluster-kzh', id: 2, address: `${net}.2`, user: 'kubernetes-admin-kzh' },
  ];
  const clusters: LoopbackCluster[] = [];
  const kc = { apiVersion: 'v1', kind: 'Config', clusters: [] as unknown[], users: [] as unknown[], contexts: [] as unknown[], 'current-context': '' };
  for (const spec of specs) {
    const cdir = join(dir, spec.name);
    mkdirSync(cdir, { recursive: true });
    const ca = generateCa('kubernetes');
    const serving = issueCertificate(ca, { commonName: 'kube-apiserver', ips: [spec.address], dnsNames: ['localhost'], usage: 'server' });
    const admin = issueCertificate(ca, { commonName: spec.user, organization: 'system:masters', usage: 'client' });
    writeFileSync(join(cdir, 'ca.crt'), ca.certPem);
    writeFileSync(join(cdir, 'apiserver.crt'), serving.certPem);
    writeFileSync(join(cdir, 'apiserver.key'), serving.keyPem, { mode: 0o600 });
    const apiPort = await freePort(spec.address);
    const proc = spawn(
      process.execPath,
      [join(binDir, 'kube-apiserver.cjs'), '--secure-port', String(apiPort), '--bind-address', spec.address, '--tls-cert-file', join(cdir, 'apiserver.crt'), '--tls-private-key-file', join(cdir, 'apiserver.key'), '--client-ca-file', join(cdir, 'ca.crt'), '--data-dir', join(cdir, 'data'), '--node-monitor-grace-period', '1h'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (code) => {
      if (code) console.error(`kube-apiserver double ${spec.name} exited ${code}: ${stderr}`);
    });
    const context = `${spec.user}@${spec.name}`;
    kc.clusters.push({ name: spec.name, cluster: { server: `https://${spec.address}:${apiPort}`, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') } });
    kc.users.push({ name: spec.user, user: { 'client-certificate-data': Buffer.from(admin.certPem).toString('base64'), 'client-key-data': Buffer.from(admin.keyPem).toString('base64') } });
    kc.contexts.push({ name: context, context: { cluster: spec.name, user: spec.user } });
    clusters.push({ name: spec.name, id: spec.id, context, address: spec.address, apiPort, process: proc });
  }
  kc['current-context'] = clusters[0]!.context;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify(kc), { mode: 0o600 });
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    KUBECONFIG: kubeconfig,
    CLUSTERMESH_APISERVER_SUPERVISOR: 'process',
    CLUSTERMESH_APISERVER_STATE_DIR: join(dir, 'clustermesh-apiserver'),
    CLUSTERMESH_APISERVER_BIN: join(binDir, 'clustermesh-apiserver.cjs'),
  };
  const self: LoopbackClusters = {
    dir,
    kubeconfig,
    clusters: clusters as [LoopbackCluster, LoopbackCluster],
    kubectl: (context, args, input) => exec(kubectl, ['--context', context, ...args], env, input),
    cilium: (args) => exec(process.execPath, [join(binDir, 'cilium.cjs'), ...args], { ...env, CLUSTERMESH_APISERVER_LISTEN_HOST: listenHostFor(args) }),
    daemonLog: (cluster) => {
      const file = join(env.CLUSTERMESH_APISERVER_STATE_DIR, cluster, 'clustermesh-apiserver.log');
      return existsSync(file) ? readFileSync(file, 'utf8') : `(no log at ${file})`;
    },
    destroy: async () => {
      const stateDir = env.CLUSTERMESH_APISERVER_STATE_DIR;
      if (existsSync(stateDir)) {
        for (const c of readdirSync(stateDir)) {
          const pidFile = join(stateDir, c, 'pid');
          if (existsSync(pidFile)) {
            try {
              process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
            } catch {
              // already gone
            }
          }
        }
      }
      for (const c of clusters) c.process.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // Each cluster's clustermesh-apiserver listens on its own loopback address, as on its own master.
  function listenHostFor(args: string[]): string {
    const at = args.indexOf('--context');
    const ctx = at >= 0 ? args[at + 1] : clusters[0]!.context;
    return clusters.find((c) => c.context === ctx)?.address ?? clusters[0]!.address;
  }
  for (const c of clusters) {
    for (let i = 0; ; i++) {
      const r = await self.kubectl(c.context, ['get', '--raw', '/version']);
      if (r.code === 0) break;
      if (i > 100) throw new Error(`kube-apiserver double ${c.name} did not answer: ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  return self;
}

/** What the cilium chart and the kubelets leave in a cluster before ClusterMesh: config, agents, nodes. */
export function ciliumInstalledManifest(c: LoopbackCluster, nodes: { name: string; ip: string; podCIDR: string }[]): string {
  const docs: unknown[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cilium-config', namespace: 'kube-system' }, data: { 'cluster-name': c.name, 'cluster-id': String(c.id), 'identity-allocation-mode': 'crd', 'routing-mode': 'tunnel', 'tunnel-protocol': 'vxlan' } },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'cilium', namespace: 'kube-system', labels: { 'k8s-app': 'cilium' } },
      spec: { selector: { matchLabels: { 'k8s-app': 'cilium' } }, template: { metadata: { labels: { 'k8s-app': 'cilium' } }, spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.14.4' }] } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cilium-operator', namespace: 'kube-system', labels: { 'io.cilium/app': 'operator' } },
      spec: { replicas: 1, selector: { matchLabels: { 'io.cilium/app': 'operator' } }, template: { metadata: { labels: { 'io.cilium/app': 'operator' } }, spec: { containers: [{ name: 'cilium-operator', image: 'quay.io/cilium/operator-generic:v1.14.4' }] } } },
    },
    ...nodes.map((n) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name } }, spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] }, status: { addresses: [{ type: 'InternalIP', address: n.ip }, { type: 'Hostname', address: n.name }] } })),
  ];
  return stream(docs);
}

/** Documents as a JSON stream (objects one after another), as `kubectl create -f -` reads them. */
function stream(docs: unknown[]): string {
  return docs.map((d) => JSON.stringify(d)).join('\n') + '\n';
}

/** The seed's global-service example (rebel-base), reduced to the Deployment and the Service. */
export function rebelBaseManifest(replicas: number): string {
  return stream([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'rebel-base', namespace: 'default' },
        spec: { replicas, selector: { matchLabels: { name: 'rebel-base' } }, template: { metadata: { labels: { name: 'rebel-base' } }, spec: { containers: [{ name: 'rebel-base', image: 'docker.io/nginx:1.15.8' }] } } },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'rebel-base', namespace: 'default', annotations: { 'service.cilium.io/global': 'true' } },
        spec: { type: 'ClusterIP', ports: [{ port: 80 }], selector: { name: 'rebel-base' } },
      },
  ]);
}

export { run };
