import { describe, expect, it } from 'vitest';
import { Secret, redact } from '@meshbook/engine';
import type { Service } from 'kubernetes-types/core/v1.js';
import { describePlanFixtures } from '../testing/plan-fixtures.js';
import { kubeResource } from './resource.js';
import type { KubeResourceFacts } from './resource.js';
import { maskedObject, fieldChanges } from './objects.js';
import type { KubeObject } from './objects.js';
import { DEFAULT_KUBECONFIG, kubeconfigFiles, parseKubeconfig } from './kubeconfig.js';

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { type: 'ClusterIP', ports: [{ port: 80, targetPort: 8080 }], selector: { app: 'web' } },
};
const PATH = '/api/v1/namespaces/apps/services/web';
const mf = (manager: string, time: string) => [{ manager, operation: 'Apply', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }];
/** The object as the API returns it: defaults, bookkeeping, status. */
const live = (spec: Record<string, unknown>, managers = mf('meshbook', '2026-01-01T00:00:00Z'), rv = '10'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'apps', uid: 'u1', resourceVersion: rv, creationTimestamp: '2026-01-01T00:00:00Z', managedFields: managers },
  spec: { clusterIP: '10.96.0.20', sessionAffinity: 'None', ...spec },
  status: { loadBalancer: {} },
});
const facts = (f: Partial<KubeResourceFacts>): KubeResourceFacts => ({ name: 'Service apps/web', path: PATH, namespace: 'apps', live: null, dryRun: null, ...f });

const secretObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-ca', namespace: 'kube-system' }, type: 'Opaque', data: { 'ca.crt': 'Q0EtQ0VSVC1URVhULTAx', 'ca.key': 'Q0EtS0VZLVRFWFQtMDAx' } };
const liveSecret = (data: Record<string, string>): KubeObject => ({ ...secretObject, metadata: { ...secretObject.metadata, uid: 'u2', resourceVersion: '5', managedFields: mf('meshbook', 't') }, data });

describePlanFixtures(
  kubeResource,
  [
    {
      name: 'absent from the cluster: create, shown from the dry run',
      params: { object: svc },
      facts: facts({ dryRun: live(svc.spec as Record<string, unknown>) }),
      changes: [{ kind: 'kubeResource.apply', target: 'Service apps/web', summary: 'create Service apps/web', before: null }],
    },
    {
      name: 'the dry run equals the live object (defaults, status and resourceVersion aside): nothing',
      params: { object: svc },
      facts: facts({ live: live(svc.spec as Record<string, unknown>, undefined, '10'), dryRun: { ...live(svc.spec as Record<string, unknown>, undefined, '10'), status: {} } }),
      changes: [],
    },
    {
      name: 'a declared field differs: update naming the field, before and after',
      params: { object: { ...svc, spec: { ...svc.spec, ports: [{ port: 81, targetPort: 8080 }] } } },
      facts: facts({ live: live(svc.spec as Record<string, unknown>), dryRun: live({ ...svc.spec, ports: [{ port: 81, targetPort: 8080 }] }, mf('meshbook', '2026-02-02T00:00:00Z'), '11') }),
      changes: [{ kind: 'kubeResource.apply', target: 'Service apps/web', summary: 'update Service apps/web: spec.ports[0].port', before: 'spec.ports[0].port: 80', after: 'spec.ports[0].port: 81' }],
    },
    {
      name: 'same values, but another manager owned them: meshbook takes ownership (one change, values unchanged)',
      params: { object: svc },
      facts: facts({ live: live(svc.spec as Record<string, unknown>, mf('kubectl', 't')), dryRun: live(svc.spec as Record<string, unknown>, [...mf('kubectl', 't'), ...mf('meshbook', 't2')]) }),
      changes: [{ kind: 'kubeResource.apply', target: 'Service apps/web', summary: 'Service apps/web: field manager meshbook takes ownership of its fields (values unchanged)' }],
    },
    {
      name: 'kind not served yet (a CRD installed by an earlier task): create, said unverified',
      params: { object: { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'pool', namespace: 'metallb-system' }, spec: { addresses: ['10.0.0.1-10.0.0.9'] } } },
      facts: facts({ name: 'IPAddressPool metallb-system/pool', path: null, namespace: 'metallb-system', unverified: 'the API server does not serve metallb.io/v1beta1 IPAddressPool (yet)' }),
      changes: [{ kind: 'kubeResource.apply', target: 'IPAddressPool metallb-system/pool', summary: 'create IPAddressPool metallb-system/pool (not verified by the API: the API server does not serve metallb.io/v1beta1 IPAddressPool (yet))' }],
    },
    {
      name: 'state absent, object present: delete',
      params: { object: svc, state: 'absent' },
      facts: facts({ live: live(svc.spec as Record<string, unknown>) }),
      changes: [{ kind: 'kubeResource.delete', target: 'Service apps/web', summary: 'delete Service apps/web', before: 'present', after: null }],
    },
    { name: 'state absent, already gone: nothing', params: { object: svc, state: 'absent' }, facts: facts({}), changes: [] },
    {
      name: 'a Secret whose data differs: the key is named, its values are never shown',
      params: { object: secretObject, forceConflicts: true },
      facts: facts({ name: 'Secret kube-system/cilium-ca', live: liveSecret({ 'ca.crt': 'T0xELUNFUlQtMDE=', 'ca.key': 'Q0EtS0VZLVRFWFQtMDAx' }), dryRun: liveSecret(secretObject.data) }),
      changes: [{ kind: 'kubeResource.apply', target: 'Secret kube-system/cilium-ca', summary: 'update Secret kube-system/cilium-ca: data.ca.crt', before: 'data.ca.crt: ***', after: 'data.ca.crt: ***' }],
    },
  ],
  [
    { name: 'an object without a kind', params: { object: { apiVersion: 'v1', metadata: { name: 'x' } } }, error: /kubeResource\.object/ },
    { name: 'a name that is not a DNS name', params: { object: { ...svc, metadata: { name: 'Web; rm -rf /' } } }, error: /kubeResource\.object/ },
    { name: 'a relative kubeconfig path', params: { object: svc, kubeconfig: 'admin.conf' }, error: /kubeResource\.kubeconfig/ },
    { name: 'a wait with nothing to wait for', params: { object: svc, wait: { timeoutSeconds: 5 } }, error: /kubeResource\.wait/ },
  ],
);

describe('kube objects', () => {
  it('a copied object drops what the source cluster set (uid, resourceVersion, managedFields, status) before apply', () => {
    const copied = liveSecret({ 'ca.crt': 'eA==' });
    const change = kubeResource.definition.plan(facts({ name: 'Secret kube-system/cilium-ca', namespace: 'kube-system' }), kubeResource.parse({ object: copied }))[0]!;
    const sent = change.payload as { object: KubeObject };
    expect(sent.object.metadata).toEqual({ name: 'cilium-ca', namespace: 'kube-system' });
    expect(sent.object['status']).toBeUndefined();
  });

  it('a Secret output has its data as engine Secrets: JSON shows ***', () => {
    const out = maskedObject(liveSecret({ 'ca.key': 'c2VjcmV0LWtleS10ZXh0' }))!;
    expect((out['data'] as Record<string, unknown>)['ca.key']).toBeInstanceOf(Secret);
    expect(JSON.stringify(out)).not.toContain('c2VjcmV0LWtleS10ZXh0');
  });

  it('field changes are leaf paths', () => {
    expect(fieldChanges({ a: { b: [1, 2] } }, { a: { b: [1, 3] }, c: 'x' }).map((c) => c.path)).toEqual(['a.b[1]', 'c']);
  });

  it('a kubeconfig\'s client key becomes a Secret, scrubbed from any text', () => {
    const key = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKeyMaterialThatMustNeverBePrinted0123456789abcdef\n-----END EC PRIVATE KEY-----\n';
    const text = `apiVersion: v1
kind: Config
current-context: admin@k
contexts: [{name: admin@k, context: {cluster: k, user: admin}}]
clusters: [{name: k, cluster: {server: 'https://10.0.0.5:6443', certificate-authority-data: ${Buffer.from('CA').toString('base64')}}}]
users: [{name: admin, user: {client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key-data: ${Buffer.from(key).toString('base64')}}}]
`;
    const creds = parseKubeconfig(text, '/etc/kubernetes/admin.conf');
    expect(creds.server).toEqual({ host: '10.0.0.5', port: 6443, url: 'https://10.0.0.5:6443' });
    expect(creds.clientKey).toBeInstanceOf(Secret);
    expect(creds.clientKey!.reveal()).toBe(key);
    expect(redact(`oops ${Buffer.from(key).toString('base64')} and ${key}`)).not.toMatch(/KeyMaterial|LS0tLS1CRUdJTiBFQyBQUklWQVRF/);
    expect(creds.files).toEqual({});
    expect(() => parseKubeconfig(text, '/x', 'other')).toThrow(/has no context "other"/);
  });

  it('credentials named by file path are recorded to be read on the host; data and file together are refused', () => {
    const text = `apiVersion: v1
kind: Config
current-context: admin@k
contexts: [{name: admin@k, context: {cluster: k, user: admin}}]
clusters: [{name: k, cluster: {server: 'https://10.0.0.5:6443', certificate-authority: /etc/kubernetes/pki/ca.crt}}]
users: [{name: admin, user: {client-certificate: pki/admin.crt, client-key: pki/admin.key}}]
`;
    const creds = parseKubeconfig(text, '/root/.kube/config');
    expect(creds.files).toEqual({ 'certificate-authority': '/etc/kubernetes/pki/ca.crt', 'client-certificate': 'pki/admin.crt', 'client-key': 'pki/admin.key' });
    expect(creds.clientKey).toBeUndefined();
    expect(() => parseKubeconfig(text.replace('client-key: pki/admin.key', 'client-key: pki/admin.key, client-key-data: eA=='), '/x')).toThrow(/user "admin" has both client-key-data and client-key/);
    expect(() => parseKubeconfig(text.replace(', client-key: pki/admin.key', ''), '/x')).toThrow(/user "admin" has no client key \(client-key-data or client-key\) and no token/);
    expect(parseKubeconfig(text.replace('client-certificate: pki/admin.crt, client-key: pki/admin.key', 'tokenFile: /run/token'), '/x').files).toEqual({ 'certificate-authority': '/etc/kubernetes/pki/ca.crt', tokenFile: '/run/token' });
  });

  it('the credential files are read from the kubeconfig\'s directory; a key read is scrubbed before it can be shown', () => {
    const files = { 'certificate-authority': '/etc/kubernetes/pki/ca.crt', 'client-key': 'pki/admin key' };
    const command = kubeconfigFiles.definition.command({ path: '/root/.kube/config', files });
    expect(command.text).toContain(`cd "$(dirname -- /root/.kube/config)" || exit 3;`);
    expect(command.text).toContain(`base64 -w0 < 'pki/admin key'`);
    expect(kubeconfigFiles.definition.command({ path: DEFAULT_KUBECONFIG, files }).text).toMatch(/^cd "\$HOME\/\.kube" \|\| exit 3;/);
    const key = Buffer.from('-----BEGIN EC PRIVATE KEY-----\nFileKeyMaterialNeverPrinted0123456789\n-----END EC PRIVATE KEY-----\n').toString('base64');
    const read = kubeconfigFiles.definition.parse({ exitCode: 0, stdout: `certificate-authority ok ${Buffer.from('CA PEM').toString('base64')}\nclient-key ok ${key}\n`, stderr: '' } as never, { path: '/x', files });
    expect(read['certificate-authority']).toEqual({ status: 'ok', base64: Buffer.from('CA PEM').toString('base64') });
    expect(redact(`leaked ${key}`)).toBe('leaked ***');
    expect(kubeconfigFiles.definition.parse({ exitCode: 0, stdout: 'client-key unreadable no such file\n', stderr: '' } as never, { path: '/x', files })).toEqual({ 'client-key': { status: 'unreadable', why: 'no such file' } });
  });
});
