import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KnownAfterApply, Secret, redact } from '@meshbook/engine';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { kubeconfig } from './kubeconfig.js';
import { fetch } from './fetch.js';
import { absentSecretFile, parseSecretFile, secretFileWith } from './lib/secret-file.js';
import { renderKubeconfig, type Kubeconfig } from './lib/kubeconfig.js';
import type { UserAccount } from './user.js';

const jin: UserAccount = { name: 'jin', uid: 1000, gid: 1000, comment: '', home: '/home/jin', shell: '/bin/bash', group: 'jin', groups: [] };
const PATH = '/home/jin/.kube/config';
const KEY_AYK = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tYXlr';
const KEY_KZH = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0ta3po';

function admin(cluster: 'ayk' | 'kzh', key: string): Kubeconfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: `cluster-${cluster}`, cluster: { server: `https://master-${cluster}:6443`, 'certificate-authority-data': `CA-${cluster}` } }],
    users: [{ name: `kubernetes-admin-${cluster}`, user: { 'client-certificate-data': `CERT-${cluster}`, 'client-key-data': key } }],
    contexts: [{ name: `kubernetes-admin-${cluster}@cluster-${cluster}`, context: { cluster: `cluster-${cluster}`, user: `kubernetes-admin-${cluster}` } }],
    'current-context': `kubernetes-admin-${cluster}@cluster-${cluster}`,
    preferences: {},
  };
}
const ayk = admin('ayk', KEY_AYK);
const kzh = admin('kzh', KEY_KZH);
const both: Kubeconfig = { ...ayk, clusters: [...ayk.clusters, ...kzh.clusters], users: [...ayk.users, ...kzh.users], contexts: [...ayk.contexts, ...kzh.contexts] };
const file = (config: Kubeconfig, attributes = { owner: 'jin', group: 'jin' }) => secretFileWith(PATH, renderKubeconfig(config), attributes);

describePlanFixtures(
  kubeconfig,
  [
    {
      name: 'the other cluster\'s contexts merged into the master\'s kubeconfig; diff shows names only',
      params: { user: 'jin', kubeconfigs: [new Secret(stringify(kzh))] },
      facts: { account: jin, file: file(ayk) },
      changes: [{
        kind: 'kubeconfig.write',
        target: PATH,
        summary: 'add cluster cluster-kzh, add context kubernetes-admin-kzh@cluster-kzh, add user kubernetes-admin-kzh',
        before: 'clusters: cluster-ayk; contexts: kubernetes-admin-ayk@cluster-ayk; users: kubernetes-admin-ayk; current-context: kubernetes-admin-ayk@cluster-ayk',
        after: 'clusters: cluster-ayk, cluster-kzh; contexts: kubernetes-admin-ayk@cluster-ayk, kubernetes-admin-kzh@cluster-kzh; users: kubernetes-admin-ayk, kubernetes-admin-kzh; current-context: kubernetes-admin-ayk@cluster-ayk',
      }],
    },
    { name: 'already merged: nothing', params: { user: 'jin', kubeconfigs: [stringify(kzh)] }, facts: { account: jin, file: file(both) }, changes: [] },
    {
      name: 'compared parsed, not as text: other key order and flow style is the same kubeconfig',
      params: { user: 'jin', kubeconfigs: [JSON.stringify(kzh)] },
      facts: { account: jin, file: secretFileWith(PATH, JSON.stringify({ ...both, kind: 'Config', apiVersion: 'v1' }, null, 1), { owner: 'jin', group: 'jin' }) },
      changes: [],
    },
    {
      name: 'a renewed client certificate on the other master: that user updated',
      params: { user: 'jin', kubeconfigs: [stringify(admin('kzh', 'LS0tLS1SRU5FV0VELUtFWS0tLS0ta3po'))] },
      facts: { account: jin, file: file(both) },
      changes: [{ kind: 'kubeconfig.write', target: PATH, summary: 'update user kubernetes-admin-kzh' }],
    },
    {
      name: 'no kubeconfig yet: created from both, current context of the first',
      params: { user: 'jin', kubeconfigs: [stringify(ayk), stringify(kzh)] },
      facts: { account: jin, file: absentSecretFile(PATH) },
      changes: [{ kind: 'kubeconfig.write', target: PATH, summary: expect.stringMatching(/^create with clusters: cluster-ayk, cluster-kzh; .*current-context: kubernetes-admin-ayk@cluster-ayk \(jin:jin 0600\)$/) }],
    },
    {
      name: 'the current context switched on request',
      params: { user: 'jin', kubeconfigs: [stringify(kzh)], currentContext: 'kubernetes-admin-kzh@cluster-kzh' },
      facts: { account: jin, file: file(both) },
      changes: [{ kind: 'kubeconfig.write', target: PATH, summary: 'current-context kubernetes-admin-ayk@cluster-ayk → kubernetes-admin-kzh@cluster-kzh' }],
    },
    {
      name: "RKE's kubeconfig names the address the controller dialled: the cluster's server as this host reaches it",
      params: { user: 'jin', kubeconfigs: [stringify(kzh)], servers: { 'cluster-kzh': 'https://10.197.2.163:6443' } },
      facts: { account: jin, file: file(both) },
      changes: [{ kind: 'kubeconfig.write', target: PATH, summary: 'update cluster cluster-kzh' }],
    },
    {
      name: 'servers already as asked: nothing',
      params: { user: 'jin', kubeconfigs: [stringify(kzh)], servers: { 'cluster-kzh': 'https://master-kzh:6443' } },
      facts: { account: jin, file: file(both) },
      changes: [],
    },
    {
      name: 'the login user does not exist yet (check mode before the user task): known after apply',
      params: { user: 'jin', kubeconfigs: [stringify(kzh)] },
      facts: { account: null, file: null },
      changes: [{ kind: 'kubeconfig.user_missing', target: 'jin' }],
    },
    {
      name: 'merged, but owned by root: owner and mode fixed only',
      params: { user: 'jin', kubeconfigs: [stringify(kzh)] },
      facts: { account: jin, file: file(both, { owner: 'root', group: 'root' }) },
      changes: [{ kind: 'kubeconfig.attributes', target: PATH, summary: 'root:root 0600 → jin:jin 0600' }],
    },
  ],
  [
    { name: 'a kubeconfig that is not YAML, without quoting it', params: { user: 'jin', kubeconfigs: ['clusters: [unclosed SECRETKEYDATA'] }, error: /kubeconfigs\[0\]: the kubeconfig is not valid YAML .*\(its content is not shown\)/ },
    { name: 'a server that is not https', params: { user: 'jin', kubeconfigs: [stringify(kzh)], servers: { 'cluster-kzh': 'http://10.0.0.1:6443' } }, error: /kubeconfig\.servers/ },
    { name: 'no kubeconfigs', params: { user: 'jin', kubeconfigs: [] }, error: /kubeconfig\.kubeconfigs/ },
  ],
);

describe('kubeconfig plan', () => {
  it('a server for a cluster no kubeconfig has is refused, naming the clusters there', () => {
    const params = kubeconfig.parse({ user: 'jin', kubeconfigs: [stringify(kzh)], servers: { cluster1: 'https://10.0.0.1:6443' } });
    expect(() => kubeconfig.definition.plan({ account: jin, file: file(both) }, params)).toThrow(/kubeconfig\.servers: no cluster named "cluster1" in the kubeconfigs \(clusters: cluster-kzh\)/);
  });

  it('never shows a key or certificate, in summary, before/after or anywhere but the Secret payload', () => {
    const p = kubeconfig.parse({ user: 'jin', kubeconfigs: [stringify(kzh)] });
    const changes = kubeconfig.definition.plan({ account: jin, file: file(ayk) }, p);
    const shown = JSON.stringify(changes);
    for (const secret of [KEY_AYK, KEY_KZH, 'CERT-kzh', 'CA-kzh']) expect(shown).not.toContain(secret);
    expect(changes[0]!.kind === 'kubeconfig.write' && changes[0]!.payload.content.reveal()).toContain(KEY_KZH);
  });

  it('two clusters\' admin.conf (both kubernetes-admin@kubernetes) are refused, naming the clashing entries', () => {
    const named = (c: Kubeconfig): Kubeconfig => ({ ...c, users: c.users.map((u) => ({ ...u, name: 'kubernetes-admin' })) });
    const p = kubeconfig.parse({ user: 'jin', kubeconfigs: [stringify(named(ayk)), stringify(named(kzh))] });
    expect(() => kubeconfig.definition.plan({ account: jin, file: absentSecretFile(PATH) }, p)).toThrow('different entries of the same name: user kubernetes-admin (kubeconfigs[0] and kubeconfigs[1])');
  });

  it('a current context that exists in no kubeconfig is a clear error', () => {
    const p = kubeconfig.parse({ user: 'jin', kubeconfigs: [stringify(kzh)], currentContext: 'nope' });
    expect(() => kubeconfig.definition.plan({ account: jin, file: file(ayk) }, p)).toThrow(/currentContext: no context named "nope"/);
  });

  it('a kubeconfig fetched from a host not set up yet (check mode) is left to the engine', () => {
    const pending = new KnownAfterApply('kubeconfig of master-kzh');
    expect(kubeconfig.atBoundary({ user: 'jin', kubeconfigs: [pending] })).toEqual({ knownAfterApply: [pending] });
  });
});

const REMOTE = '/home/jin/.kube/config';
describePlanFixtures(
  fetch,
  [
    { name: 'read only: no change', params: { path: REMOTE, secret: true }, facts: { remote: secretFileWith(REMOTE, 'x: 1\n'), local: null }, changes: [] },
    { name: 'missing, allowed', params: { path: REMOTE, missing: 'null' }, facts: { remote: absentSecretFile(REMOTE), local: null }, changes: [] },
    {
      name: 'written on the controller when absent there, masked when secret',
      params: { path: REMOTE, secret: true, dest: '/tmp/kzh.conf' },
      facts: { remote: secretFileWith(REMOTE, 'x: 1\n'), local: null },
      changes: [{ kind: 'fetch.write', target: '/tmp/kzh.conf', sensitive: true, payload: expect.objectContaining({ dest: '/tmp/kzh.conf', mode: 0o600 }) }],
    },
    {
      name: 'the controller\'s copy is the same: nothing',
      params: { path: REMOTE, dest: '/tmp/kzh.conf' },
      facts: { remote: secretFileWith(REMOTE, 'x: 1\n'), local: secretFileWith(REMOTE, 'x: 1\n').sha256 },
      changes: [],
    },
  ],
  [{ name: 'a relative path', params: { path: 'kube/config' }, error: /fetch\.path/ }],
);

describe('fetch', () => {
  it('a missing file is known after apply in check mode, and fails a real run naming it', async () => {
    const p = fetch.parse({ path: REMOTE });
    const changes = fetch.definition.plan({ remote: absentSecretFile(REMOTE), local: null }, p);
    expect(changes).toEqual([expect.objectContaining({ kind: 'fetch.missing', summary: `read ${REMOTE} (known after apply: it does not exist yet)` })]);
    const ctx = { host: 'm2' } as Parameters<typeof fetch.definition.apply>[0];
    await expect(fetch.definition.apply(ctx, changes, p)).rejects.toThrow(`fetch: ${REMOTE} does not exist on m2`);
  });

  it('a directory or a file over maxBytes is a clear error', () => {
    const p = fetch.parse({ path: REMOTE, maxBytes: 10 });
    expect(() => fetch.definition.plan({ remote: { ...absentSecretFile(REMOTE), exists: true, type: 'directory' }, local: null }, p)).toThrow(`fetch: ${REMOTE} is not a regular file`);
    expect(() => fetch.definition.plan({ remote: { ...secretFileWith(REMOTE, 'x'), content: null, tooLarge: true }, local: null }, p)).toThrow(/larger than maxBytes \(10\)/);
  });

  it('a plain (not secret) file is output as text, and not scrubbed from other output', () => {
    const out = fetch.definition.output!({ remote: parseSecretFile(REMOTE, `stat regular file|644|root|root|5\ncontent ${Buffer.from('k: v\n').toString('base64')}\n`, false), local: null }, fetch.parse({ path: REMOTE }));
    expect(out.content).toBe('k: v\n');
    expect(redact('k: v\n')).toBe('k: v\n');
  });

  it('output: the content, a Secret when asked', () => {
    const secretOut = fetch.definition.output!({ remote: secretFileWith(REMOTE, 'k: v\n'), local: null }, fetch.parse({ path: REMOTE, secret: true }));
    expect(secretOut.content).toBeInstanceOf(Secret);
    expect(JSON.stringify(secretOut)).not.toContain('k: v');
  });
});
