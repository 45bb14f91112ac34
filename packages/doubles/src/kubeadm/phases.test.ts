import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKubeconfig } from '../pki/kubeconfig.js';
import { certsPhase, readCertAndKey } from './certs-phase.js';
import { parseInitConfig } from './config.js';
import { KubeadmError } from './errors.js';
import { kubeconfigPhase } from './kubeconfig-phase.js';
import { kubeconfigUser } from './kubeconfig-user.js';
import { hostLayout } from './layout.js';
import { initChecks, joinChecks, runChecks } from './preflight.js';

const root = mkdtempSync(join(tmpdir(), 'kubeadm-root-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const layout = hostLayout(root);
const { config } = parseInitConfig(`apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: { advertiseAddress: 10.0.0.10 }
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: api.c1.lab:6443
apiServer: { certSANs: [10.0.0.100] }
`, { hostname: 'node1', defaultAddress: '172.18.0.2' });

const verify = (ca: string, cert: string) => {
  try {
    return execFileSync('openssl', ['verify', '-CAfile', join(layout.pkiDir, ca), join(layout.pkiDir, cert)], { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch (error) {
    return String((error as { stdout?: string }).stdout);
  }
};

describe('init phases on a scratch root', () => {
  const lines: string[] = [];
  mkdirSync(layout.pkiDir, { recursive: true });
  certsPhase(config, layout.pkiDir, (l) => lines.push(l));
  kubeconfigPhase(config, readCertAndKey(layout.pkiDir, 'ca'), layout.kubernetesDir, (l) => lines.push(l));

  it('lays the PKI out as kubeadm does, each certificate signed by its own CA, keys private', () => {
    expect(lines).toContain('[certs] apiserver serving cert is signed for DNS names [node1 kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local api.c1.lab] and IPs [10.96.0.1 10.0.0.10 10.0.0.100]');
    for (const [ca, certs] of [
      ['ca.crt', ['apiserver.crt', 'apiserver-kubelet-client.crt']],
      ['front-proxy-ca.crt', ['front-proxy-client.crt']],
      ['etcd/ca.crt', ['etcd/server.crt', 'etcd/peer.crt', 'etcd/healthcheck-client.crt', 'apiserver-etcd-client.crt']],
    ] as const) {
      for (const cert of certs) expect(verify(ca, cert)).toMatch(/: OK$/);
    }
    expect(verify('front-proxy-ca.crt', 'apiserver.crt')).not.toMatch(/: OK$/);
    for (const key of ['ca.key', 'apiserver.key', 'etcd/ca.key', 'sa.key']) expect(statSync(join(layout.pkiDir, key)).mode & 0o077).toBe(0);
    expect(readFileSync(join(layout.pkiDir, 'sa.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('writes kubeconfigs whose users are the identities kubeadm gives them', () => {
    const identity = (file: string) => {
      const creds = readKubeconfig(readFileSync(join(layout.kubernetesDir, file), 'utf8'));
      return { server: creds.server, subject: new X509Certificate(creds.clientCert!).subject.split('\n') };
    };
    expect(identity('admin.conf')).toEqual({ server: 'https://api.c1.lab:6443', subject: ['O=kubeadm:cluster-admins', 'CN=kubernetes-admin'] });
    expect(identity('super-admin.conf').subject).toEqual(['O=system:masters', 'CN=kubernetes-super-admin']);
    expect(identity('kubelet.conf').subject).toEqual(['O=system:nodes', 'CN=system:node:node1']);
    expect(identity('scheduler.conf')).toEqual({ server: 'https://10.0.0.10:6443', subject: ['CN=system:kube-scheduler'] });
  });

  it('kubeconfig user signs a client certificate with the cluster CA', () => {
    const text = kubeconfigUser({ clientName: 'alice', orgs: ['devs', 'ops'] }, { ...config, certificatesDir: layout.pkiDir });
    const creds = readKubeconfig(text);
    expect(text).toContain('current-context: alice@kubernetes');
    expect(new X509Certificate(creds.clientCert!).subject.split('\n')).toEqual(['O=devs', 'O=ops', 'CN=alice']);
    expect(new X509Certificate(creds.clientCert!).verify(new X509Certificate(readFileSync(join(layout.pkiDir, 'ca.crt'))).publicKey)).toBe(true);
    expect(() => kubeconfigUser({ orgs: [] }, config)).toThrow('missing required argument --client-name');
  });

  it('preflight refuses an initialised host with kubeadm\'s check names, and warns for ignored checks', async () => {
    mkdirSync(layout.manifestsDir, { recursive: true });
    writeFileSync(join(layout.manifestsDir, 'kube-apiserver.yaml'), 'x');
    mkdirSync(layout.etcdDataDir, { recursive: true });
    writeFileSync(join(layout.etcdDataDir, 'member'), 'x');
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, r));
    const port = (busy.address() as { port: number }).port;
    const checks = initChecks(layout, port).filter((c) => !['IsPrivilegedUser', 'Port-10250', 'Port-10257', 'Port-10259', 'Port-2379', 'Port-2380'].includes(c.name));
    const error = await runChecks(checks, [], () => {}).catch((e: KubeadmError) => e);
    busy.close();
    expect((error as KubeadmError).message).toBe(`error execution phase preflight: [preflight] Some fatal errors occurred:
\t[ERROR Port-${port}]: Port ${port} is in use
\t[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: /etc/kubernetes/manifests/kube-apiserver.yaml already exists
\t[ERROR DirAvailable--var-lib-etcd]: /var/lib/etcd is not empty
[preflight] If you know what you are doing, you can make a check non-fatal with \`--ignore-preflight-errors=...\``);
    const warnings: string[] = [];
    await runChecks(joinChecks(layout, () => false).filter((c) => !c.name.startsWith('Port') && c.name !== 'IsPrivilegedUser'), ['all'], (w) => warnings.push(w));
    expect(warnings).toEqual([
      '\t[WARNING DirAvailable--etc-kubernetes-manifests]: /etc/kubernetes/manifests is not empty',
      "\t[WARNING Service-Kubelet]: kubelet service is not enabled, please run 'systemctl enable kubelet.service'",
      '\t[WARNING FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists',
      '\t[WARNING FileAvailable--etc-kubernetes-pki-ca.crt]: /etc/kubernetes/pki/ca.crt already exists',
    ]);
  });
});
