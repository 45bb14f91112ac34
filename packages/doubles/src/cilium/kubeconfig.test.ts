import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigFiles, loadClusterAccess } from './kubeconfig.js';

// The seed's layout: ~/.kube/config for the own cluster, ~/.kube/config-kzh for the other,
// KUBECONFIG=~/.kube/config:~/.kube/config-kzh.
let home: string;
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  mkdirSync(join(home, '.kube'));
  mkdirSync(join(home, 'pki'));
  writeFileSync(join(home, 'pki/ca.crt'), 'CA-AYK');
  writeFileSync(
    join(home, '.kube/config'),
    `apiVersion: v1
kind: Config
current-context: kubernetes-admin-ayk@cluster-ayk
clusters:
- name: cluster-ayk
  cluster: {server: "https://jin-ayaka-master-1:6443/", certificate-authority: ../pki/ca.crt}
users:
- name: kubernetes-admin-ayk
  user: {client-certificate-data: ${b64('CERT-AYK')}, client-key-data: ${b64('KEY-AYK')}}
contexts:
- name: kubernetes-admin-ayk@cluster-ayk
  context: {cluster: cluster-ayk, user: kubernetes-admin-ayk}
`,
  );
  writeFileSync(
    join(home, '.kube/config-kzh'),
    `apiVersion: v1
kind: Config
current-context: kubernetes-admin-kzh@cluster-kzh
clusters:
- name: cluster-kzh
  cluster: {server: "https://jin-kazuha-master-1:6443", certificate-authority-data: ${b64('CA-KZH')}}
- name: cluster-ayk
  cluster: {server: "https://shadowed:6443"}
users:
- name: kubernetes-admin-kzh
  user: {client-certificate-data: ${b64('CERT-KZH')}, client-key-data: ${b64('KEY-KZH')}}
- name: token-user
  user: {token: abc}
contexts:
- name: kubernetes-admin-kzh@cluster-kzh
  context: {cluster: cluster-kzh, user: kubernetes-admin-kzh}
- name: token@cluster-kzh
  context: {cluster: cluster-kzh, user: token-user}
`,
  );
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('kubeconfig as client-go merges it', () => {
  const env = () => ({ HOME: home, KUBECONFIG: `${home}/.kube/config:${home}/.kube/config-kzh` });

  it('takes the current context of the first file, resolving relative paths from that file', () => {
    const a = loadClusterAccess({ env: env() });
    expect(a).toMatchObject({ contextName: 'kubernetes-admin-ayk@cluster-ayk', server: 'https://jin-ayaka-master-1:6443', caPem: 'CA-AYK', certPem: 'CERT-AYK', keyPem: 'KEY-AYK' });
  });

  it('reaches the other cluster by --context, and the first file wins for a name in both', () => {
    expect(loadClusterAccess({ env: env(), context: 'kubernetes-admin-kzh@cluster-kzh' })).toMatchObject({ clusterName: 'cluster-kzh', caPem: 'CA-KZH', certPem: 'CERT-KZH' });
    expect(loadClusterAccess({ env: env() }).server).not.toContain('shadowed');
  });

  it('says which context is missing, and refuses users without a client certificate', () => {
    expect(() => loadClusterAccess({ env: env(), context: 'nope' })).toThrow('context "nope" does not exist');
    expect(() => loadClusterAccess({ env: env(), context: 'token@cluster-kzh' })).toThrow(/has no client certificate and key/);
  });

  it('falls back to ~/.kube/config, and --kubeconfig must exist', () => {
    expect(kubeconfigFiles({ HOME: home }, undefined)).toEqual([join(home, '.kube/config')]);
    expect(() => loadClusterAccess({ env: env(), kubeconfig: join(home, 'missing') })).toThrow(/no such file/);
  });
});
