import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from '../testing/plan-fixtures.js';
import { parseKubeconfigCerts, parseOpensslCert, type KubeconfigCertsState } from '../lib/kubeconfig.js';
import type { UserAccount } from '../user.js';
import { kubeadmKubeconfigUser } from './kubeconfig-user.js';
import { kubeadmErrorLine, maskKubeadmOutput, parseCertificateKey, parseJoinCommand } from './output.js';

const jin: UserAccount = { name: 'jin', uid: 1000, gid: 1000, comment: '', home: '/home/jin', shell: '/bin/bash', group: 'jin', groups: [] };
const PATH = '/home/jin/.kube/config';
const params = { clientName: 'kubernetes-admin-ayk', org: 'system:masters', user: 'jin' };
const good: KubeconfigCertsState = {
  exists: true, owner: 'jin', group: 'jin', mode: '0600', currentContext: 'kubernetes-admin-ayk@cluster-ayk',
  contexts: { 'kubernetes-admin-ayk@cluster-ayk': 'kubernetes-admin-ayk' },
  certs: [{ user: 'kubernetes-admin-ayk', commonName: 'kubernetes-admin-ayk', organizations: ['system:masters'], notAfter: 'Dec  1 09:00:00 2027 GMT', expiring: false }],
};
const cert = good.certs[0]!;

describePlanFixtures(
  kubeadmKubeconfigUser,
  [
    {
      name: 'no kubeconfig yet: generated, owned by the user, 0600',
      params,
      facts: { account: jin, kubeconfig: { ...good, exists: false, certs: [] } },
      changes: [{
        kind: 'kubeadm_kubeconfig_user.generate', target: PATH,
        summary: 'create: kubeadm kubeconfig user --client-name kubernetes-admin-ayk --org system:masters (jin:jin 0600)',
        after: 'CN=kubernetes-admin-ayk,O=system:masters',
        payload: { path: PATH, clientName: 'kubernetes-admin-ayk', orgs: ['system:masters'], config: null, validityPeriod: null, owner: 'jin', group: 'jin' },
      }],
    },
    { name: 'the certificate is for that name and org, not near expiry: nothing', params, facts: { account: jin, kubeconfig: good }, changes: [] },
    {
      name: 'admin.conf copied there (kubernetes-admin, another user): regenerated',
      params,
      facts: { account: jin, kubeconfig: { ...good, certs: [{ ...cert, user: 'kubernetes-admin', commonName: 'kubernetes-admin', organizations: ['kubeadm:cluster-admins'] }] } },
      changes: [{ kind: 'kubeadm_kubeconfig_user.generate', target: PATH, summary: expect.stringMatching(/^no client certificate for user kubernetes-admin-ayk:/) }],
    },
    {
      name: 'the certificate names another organisation: regenerated',
      params,
      facts: { account: jin, kubeconfig: { ...good, certs: [{ ...cert, organizations: ['developers'] }] } },
      changes: [{ kind: 'kubeadm_kubeconfig_user.generate', target: PATH, summary: expect.stringMatching(/^certificate is for CN=kubernetes-admin-ayk,O=developers:/), before: 'CN=kubernetes-admin-ayk,O=developers (until Dec  1 09:00:00 2027 GMT)' }],
    },
    {
      name: 'the certificate expires within renewBeforeDays: renewed',
      params,
      facts: { account: jin, kubeconfig: { ...good, certs: [{ ...cert, expiring: true }] } },
      changes: [{ kind: 'kubeadm_kubeconfig_user.generate', target: PATH, summary: expect.stringMatching(/^certificate expires soon/) }],
    },
    {
      name: 'a good certificate in a file owned by root: only owner and mode fixed',
      params,
      facts: { account: jin, kubeconfig: { ...good, owner: 'root', group: 'root', mode: '0644' } },
      changes: [{ kind: 'kubeadm_kubeconfig_user.attributes', target: PATH, summary: 'root:root 0644 → jin:jin 0600' }],
    },
    {
      name: 'another path and the kubeadm config: passed on',
      params: { ...params, path: '/home/jin/.kube/config-ayk', config: '/etc/kubernetes/kubeadm-config.yaml' },
      facts: { account: jin, kubeconfig: { ...good, exists: false, certs: [] } },
      changes: [{ kind: 'kubeadm_kubeconfig_user.generate', target: '/home/jin/.kube/config-ayk', payload: expect.objectContaining({ config: '/etc/kubernetes/kubeadm-config.yaml' }) }],
    },
    {
      name: 'the login user does not exist yet (check mode before the user task)',
      params,
      facts: { account: null, kubeconfig: null },
      changes: [{ kind: 'kubeadm_kubeconfig_user.user_missing', target: 'jin' }],
    },
  ],
  [
    { name: 'a client name with a comma (would split the subject)', params: { ...params, clientName: 'admin,O=system:masters' }, error: /clientName/ },
    { name: 'a user name with a slash', params: { ...params, user: '../root' }, error: /kubeadmKubeconfigUser\.user/ },
  ],
);

describe('client certificates read by openssl on the host', () => {
  it('parses the subject (RFC 2253), expiry and -checkend', () => {
    expect(parseOpensslCert('subject=CN=kubernetes-admin-ayk,O=system:masters|notAfter=Dec  1 09:00:00 2027 GMT|Certificate will not expire|')).toEqual({
      commonName: 'kubernetes-admin-ayk', organizations: ['system:masters'], notAfter: 'Dec  1 09:00:00 2027 GMT', expiring: false,
    });
    expect(parseOpensslCert('subject=CN=x,O=b,O=a|notAfter=Jan  1 00:00:00 2026 GMT|Certificate will expire|')).toMatchObject({ organizations: ['a', 'b'], expiring: true });
    expect(parseOpensslCert('')).toBeNull();
  });

  it('matches the n-th certificate to the n-th user with client-certificate-data', () => {
    const yaml = `apiVersion: v1
kind: Config
clusters: [{name: cluster-ayk, cluster: {server: 'https://m1:6443', certificate-authority-data: REDACTED}}]
users:
- name: token-user
  user: {token: REDACTED}
- name: kubernetes-admin-ayk
  user: {client-certificate-data: REDACTED, client-key-data: REDACTED}
contexts: [{name: 'kubernetes-admin-ayk@cluster-ayk', context: {cluster: cluster-ayk, user: kubernetes-admin-ayk}}]
current-context: kubernetes-admin-ayk@cluster-ayk
`;
    const stdout = `stat jin|jin|600\nyaml ${Buffer.from(yaml).toString('base64')}\ncert subject=CN=kubernetes-admin-ayk,O=system:masters|notAfter=Dec  1 09:00:00 2027 GMT|Certificate will not expire|\n`;
    expect(parseKubeconfigCerts(stdout)).toEqual(good);
    expect(parseKubeconfigCerts('absent\n')).toMatchObject({ exists: false, certs: [] });
  });
});

describe('kubeadm output', () => {
  const key = 'f3a1'.repeat(16);
  const hash = `sha256:${'0b'.repeat(32)}`;

  it('masks tokens and certificate keys, keeps the CA hash and the rest', () => {
    const init = `[upload-certs] Using certificate key:\n${key}\n...\nkubeadm join m1:6443 --token abcdef.0123456789abcdef \\\n\t--discovery-token-ca-cert-hash ${hash} \\\n\t--control-plane --certificate-key ${key}\n`;
    const masked = maskKubeadmOutput(init);
    expect(masked).not.toContain(key);
    expect(masked).not.toContain('abcdef.0123456789abcdef');
    expect(masked).toContain(hash);
    expect(masked).toContain('--token *** \\');
    expect(masked).toContain('Using certificate key:\n***\n');
    expect(maskKubeadmOutput('kubeadm join m1:6443 --token <value withheld>')).toContain('<value withheld>');
  });

  it('an error names kubeadm\'s failed preflight checks', () => {
    const stderr = 'error execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR Port-10250]: Port 10250 is in use\n\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\n';
    expect(kubeadmErrorLine({ exitCode: 1, stdout: '', stderr, durationMs: 1 })).toBe(
      'error execution phase preflight: [preflight] Some fatal errors occurred: [ERROR Port-10250]: Port 10250 is in use; [ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists',
    );
  });

  it('captures the certificate key of --upload-certs', () => {
    expect(parseCertificateKey(`[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n[upload-certs] Using certificate key:\n${key}\n`)?.reveal()).toBe(key);
    expect(parseCertificateKey('[upload-certs] Skipping phase. Please see --upload-certs')).toBeNull();
  });

  it('reads the one-line join command, token and key as Secrets', () => {
    const join = parseJoinCommand(`kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${hash} --control-plane --certificate-key ${key} `)!;
    expect(join.endpoint).toBe('10.0.0.10:6443');
    expect(join.caCertHash).toBe(hash);
    expect(join.token.reveal()).toBe('abcdef.0123456789abcdef');
    expect(join.certificateKey?.reveal()).toBe(key);
    expect(JSON.stringify(join)).not.toMatch(/abcdef\.|f3a1/);
    expect(parseJoinCommand('kubeadm join 10.0.0.10:6443 --token nope --discovery-token-ca-cert-hash x')).toBeNull();
  });
});
