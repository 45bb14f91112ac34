// One kube-apiserver double on 127.0.0.1 for the tests that drive the real kubectl and helm
// against it: a CA, a serving certificate and client certificates made by openssl in a temp dir,
// the double bundled from source, kubeconfigs per identity, and restart on the same data dir.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { kubeClients } from '@meshbook/fleet';

const run = promisify(execFile);
const doublesDir = resolve(import.meta.dirname, '../../../packages/doubles');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Identity {
  cert: string;
  key: string;
}

export interface ApiServerFixture {
  dir: string;
  port: number;
  caCert: string;
  caKey: string;
  /** a kubeconfig for the given credentials (admin by default) */
  kubeconfig(name: string, user: Record<string, string>): string;
  /** a client certificate signed by `ca` (the cluster's CA unless given) */
  issueClientCert(name: string, commonName: string, organizations: string[], ca?: { cert: string; key: string }): Promise<Identity>;
  newCa(name: string): Promise<{ cert: string; key: string }>;
  kubectl(args: string[], options?: { input?: string; kubeconfig?: string }): Promise<Result>;
  helm(args: string[]): Promise<Result>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Result> {
  return new Promise((resolveResult) => {
    const child = execFile(file, args, { env, maxBuffer: 16 << 20, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolveResult({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function startApiServer(extraFlags: string[] = []): Promise<ApiServerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'apiserver-double-'));
  const pki = join(dir, 'pki');
  mkdirSync(pki);
  await build({
    absWorkingDir: doublesDir,
    entryPoints: ['src/bin/kube-apiserver.ts'],
    outfile: join(dir, 'kube-apiserver.cjs'),
    bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error',
  });
  const { kubectl, helm } = await kubeClients();

  const newCa = async (name: string) => {
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`], pki);
    return { cert: join(pki, `${name}.crt`), key: join(pki, `${name}.key`) };
  };
  const ca = await newCa('ca');
  writeFileSync(join(pki, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  writeFileSync(join(pki, 'client.ext'), 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'apiserver.key', '-out', 'apiserver.csr', '-subj', '/CN=kube-apiserver'], pki);
  await openssl(['x509', '-req', '-in', 'apiserver.csr', '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', '1', '-days', '2', '-extfile', 'server.ext', '-out', 'apiserver.crt'], pki);

  let serial = 100;
  const issueClientCert = async (name: string, commonName: string, organizations: string[], signer = ca): Promise<Identity> => {
    const subject = `${organizations.map((o) => `/O=${o}`).join('')}/CN=${commonName}`;
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], pki);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', signer.cert, '-CAkey', signer.key, '-set_serial', String(serial++), '-days', '2', '-extfile', 'client.ext', '-out', `${name}.crt`], pki);
    return { cert: join(pki, `${name}.crt`), key: join(pki, `${name}.key`) };
  };

  const port = await freePort();
  const kubeconfig = (name: string, user: Record<string, string>) => {
    const file = join(dir, `${name}.kubeconfig`);
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': name,
      clusters: [{ name: 'double', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority': ca.cert } }],
      users: [{ name, user }],
      contexts: [{ name, context: { cluster: 'double', user: name } }],
    }), { mode: 0o600 });
    return file;
  };
  const admin = await issueClientCert('admin', 'kubernetes-admin', ['system:masters']);
  const adminKubeconfig = kubeconfig('admin', { 'client-certificate': admin.cert, 'client-key': admin.key });
  const env = {
    PATH: process.env.PATH, HOME: dir,
    HELM_CACHE_HOME: join(dir, 'helm-cache'), HELM_CONFIG_HOME: join(dir, 'helm-config'), HELM_DATA_HOME: join(dir, 'helm-data'),
  };
  const kubectlRun = (args: string[], options: { input?: string; kubeconfig?: string } = {}) =>
    exec(kubectl, ['--kubeconfig', options.kubeconfig ?? adminKubeconfig, '--cache-dir', join(dir, 'kube-cache'), ...args], env, options.input);

  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    const flags = [
      `--secure-port=${port}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
      `--tls-cert-file=${join(pki, 'apiserver.crt')}`, `--tls-private-key-file=${join(pki, 'apiserver.key')}`, `--client-ca-file=${ca.cert}`,
      '--service-cluster-ip-range=10.96.0.0/12', '--service-node-port-range=30000-32767', '--enable-bootstrap-token-auth=true',
      `--cluster-signing-cert-file=${ca.cert}`, `--cluster-signing-key-file=${ca.key}`, `--data-dir=${join(dir, 'data')}`,
      ...extraFlags,
    ];
    const started = spawn(process.execPath, [join(dir, 'kube-apiserver.cjs'), ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (c: Buffer) => (log += c.toString()));
    started.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    for (let attempt = 0; ; attempt++) {
      const result = await kubectlRun(['get', '--raw', '/readyz']);
      if (result.code === 0) return;
      if (started.exitCode !== null || attempt > 100) throw new Error(`the kube-apiserver double did not start: ${log}${result.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stopChild = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolveExit) => {
      running.once('exit', () => resolveExit());
      running.kill('SIGTERM');
    });
  };
  await start();

  return {
    dir, port, caCert: ca.cert, caKey: ca.key,
    kubeconfig, issueClientCert, newCa,
    kubectl: kubectlRun,
    helm: (args) => exec(helm, ['--kubeconfig', adminKubeconfig, ...args], env),
    restart: async () => {
      await stopChild();
      await start();
    },
    stop: async () => {
      await stopChild();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
