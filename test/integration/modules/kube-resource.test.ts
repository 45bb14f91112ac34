import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { inspect, promisify } from 'node:util';
import { MeshbookError, secret } from '@meshbook/engine';
import type { ModuleResult } from '@meshbook/engine';
import { kubeResource, kubeResourceInfo } from '@meshbook/modules';
import type { KubeObject } from '@meshbook/modules';
import type { ConfigMap, Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { proveCheckMode, proveIdempotent, useHosts } from '../support/prove.js';
import { initClusters } from '../support/kube-cluster.js';
import { REPO_ROOT, meshbook } from '../support/cli.js';
import { expectExit, expectNoSecretIn, useWorkDir, writeInventory } from '../faults/harness.js';

/**
 * kubeResource on two one-node clusters made by the kubeadm double (m1 = node1, m2 = node2). The
 * login user's kubeconfig names the API as https://127.0.0.1:6443: only the host itself reaches
 * it, so every request goes through the SSH connection's TCP forward. The real kubectl judges.
 */
const hosts = useHosts(2);
const workDir = useWorkDir();
const t = (name: string) => hosts.transport(name);
const kubectl = async (host: string, args: string) => {
  const r = await hosts.fleet().exec(host, ['sh', '-c', `kubectl ${args}`]);
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
};

/** Everything a run shows anywhere: changes (all fields), diff, output, as JSON and inspected. */
const shown = (result: ModuleResult | unknown) => `${JSON.stringify(result)}\n${inspect(result, { depth: 20 })}\n${(result as ModuleResult).diff ?? ''}`;

// `satisfies`: checked against kubernetes-types, yet typed with apiVersion, kind and metadata present,
// as kubeResource's KubeObject requires (kubernetes-types makes them optional).
const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } } satisfies Namespace;
const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'apps', labels: { app: 'web' } }, data: { greeting: 'hello' } } satisfies ConfigMap;
const service = {
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'apps' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
} satisfies Service;
const deployment = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'apps' },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
} satisfies Deployment;

let clientKey = '';

beforeAll(async () => {
  await initClusters(hosts.fleet(), ['node1', 'node2']);
  clientKey = (await hosts.sh('node1', "sed -n 's/^ *client-key-data: //p' /root/.kube/config | base64 -d")).trim();
  expect(clientKey).toContain('PRIVATE KEY');
}, 300_000);

describe('kubeResource on a kubeadm-double cluster, through the SSH connection', () => {
  it('the API is not reachable from the controller at the kubeconfig\'s address (only through the host)', async () => {
    expect(await hosts.sh('node1', 'grep server: /root/.kube/config')).toContain('https://127.0.0.1:6443');
    const direct = await fetch('https://127.0.0.1:6443/version').then(() => 'reached', () => 'unreachable');
    expect(direct).toBe('unreachable');
  });

  it('check mode on a fresh cluster reports the creation (a server-side dry run) and leaves the API untouched', async () => {
    const snapshot = async () => (await kubectl('node1', 'get ns,cm,svc -A -o name')).out;
    const result = await proveCheckMode(kubeResource, t('node1'), { object: { ...config, metadata: { ...config.metadata, namespace: 'default' } } }, snapshot);
    expect(result.changes.map((c) => c.summary)).toEqual(['create ConfigMap default/web']);
    expect(result.diff).toContain('data.greeting: "hello"');
    // A namespace that does not exist yet: still a planned create, said unverified.
    const unverified = await kubeResource.run(t('node1'), { object: config }, { check: true });
    expect(unverified.changes[0]!.summary).toBe('create ConfigMap apps/web (not verified by the API: namespace apps does not exist (yet))');
    expect((await kubectl('node1', 'get ns apps')).err).toContain('namespaces "apps" not found');
    expect((await kubectl('node1', 'get cm web -n default')).err).toContain('configmaps "web" not found');
  });

  it('applies with server-side apply as field manager meshbook; again: no change; check mode after: nothing', async () => {
    await proveIdempotent(kubeResource, t('node1'), { object: ns });
    const { first } = await proveIdempotent(kubeResource, t('node1'), { object: config }, async () => {
      const live = JSON.parse((await kubectl('node1', 'get cm web -n apps -o json --show-managed-fields')).out);
      expect(live.data).toEqual({ greeting: 'hello' });
      expect(live.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`)).toEqual(['meshbook/Apply']);
    });
    const output = first.output as ConfigMap;
    expect(output.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(output.data).toEqual({ greeting: 'hello' });
  });

  it('a changed field is shown in the diff and applied; fields of other managers are left alone', async () => {
    expect((await kubectl('node1', 'label cm web -n apps team=blue')).code).toBe(0);
    // kubectl's label is another manager's field: not a change for meshbook.
    expect((await kubeResource.run(t('node1'), { object: config })).changed).toBe(false);
    const changed = { ...config, data: { greeting: 'hello again' } };
    const check = await kubeResource.run(t('node1'), { object: changed }, { check: true, diff: true });
    expect(check.diff).toContain('update ConfigMap apps/web: data.greeting\n- data.greeting: "hello"\n+ data.greeting: "hello again"');
    expect(JSON.parse((await kubectl('node1', 'get cm web -n apps -o json')).out).data.greeting).toBe('hello');
    await proveIdempotent(kubeResource, t('node1'), { object: changed });
    const live = JSON.parse((await kubectl('node1', 'get cm web -n apps -o json')).out);
    expect(live.data.greeting).toBe('hello again');
    expect(live.metadata.labels).toEqual({ app: 'web', team: 'blue' });
  });

  it('a field another manager owns is a conflict, named with the fix; forceConflicts takes it over', async () => {
    expect((await kubectl('node1', "patch cm web -n apps --field-manager=ops --type=merge -p '{\"data\":{\"greeting\":\"from ops\"}}'")).code).toBe(0);
    const error = await kubeResource.run(t('node1'), { object: { ...config, data: { greeting: 'hello again' } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).message).toMatch(/409 Conflict/);
    expect((error as MeshbookError).hint).toContain('forceConflicts');
    await proveIdempotent(kubeResource, t('node1'), { object: { ...config, data: { greeting: 'hello again' } }, forceConflicts: true });
    expect(JSON.parse((await kubectl('node1', 'get cm web -n apps -o json')).out).data.greeting).toBe('hello again');
  });

  it('waits for a Deployment to be Available; the output is the live object', async () => {
    const { first } = await proveIdempotent(kubeResource, t('node1'), { object: service });
    expect((first.output as Service).spec?.clusterIP).toMatch(/^10\.9[6-9]\./);
    const applied = await kubeResource.run(t('node1'), { object: deployment, wait: { condition: 'Available', timeoutSeconds: 60 } });
    expect(applied.changed).toBe(true);
    const live = applied.output as Deployment;
    expect(live.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    expect((await kubectl('node1', 'rollout status deploy/web -n apps --timeout=5s')).out).toContain('successfully rolled out');
  });

  it('a wait that is never met times out naming what is missing', async () => {
    const lb = { ...service, metadata: { name: 'lb', namespace: 'apps' }, spec: { ...service.spec, type: 'LoadBalancer' } } satisfies Service;
    const error = await kubeResource.run(t('node1'), { object: lb, wait: { loadBalancerIngress: true, timeoutSeconds: 2 } }).catch((e: unknown) => e);
    expect((error as MeshbookError).code).toBe('TIMEOUT');
    expect((error as MeshbookError).message).toContain('Service apps/lb: still lacks a LoadBalancer ingress address');
  });

  it('state absent deletes, then nothing; check mode first leaves it', async () => {
    const params = { object: { ...service, metadata: { name: 'lb', namespace: 'apps' } }, state: 'absent' as const };
    const check = await kubeResource.run(t('node1'), params, { check: true });
    expect(check.changes.map((c) => c.summary)).toEqual(['delete Service apps/lb']);
    expect((await kubectl('node1', 'get svc lb -n apps -o name')).out.trim()).toBe('service/lb');
    await proveIdempotent(kubeResource, t('node1'), params);
    expect((await kubectl('node1', 'get svc lb -n apps')).err).toContain('services "lb" not found');
  });

  it('bad objects are refused by the API with its own field message, before anything is written', async () => {
    const bad = { ...service, metadata: { name: 'bad', namespace: 'apps' }, spec: { ports: [{ port: 99999 }] } } as KubeObject;
    for (const check of [true, false]) {
      const error = await kubeResource.run(t('node1'), { object: bad }, { check }).catch((e: unknown) => e);
      expect((error as MeshbookError).message).toMatch(/422 Invalid.*spec\.ports\[0\]\.port/);
    }
    expect((await kubectl('node1', 'get svc bad -n apps')).err).toContain('not found');
  });

  it('seed 000-19: cilium-ca read on cluster 1 and applied on cluster 2 only when different, never printed', async () => {
    const caData = { 'ca.crt': Buffer.from('-----BEGIN CERTIFICATE-----\nCILIUMCACERT0001\n-----END CERTIFICATE-----\n').toString('base64'), 'ca.key': Buffer.from('-----BEGIN EC PRIVATE KEY-----\nCILIUMCAKEYMATERIAL0001\n-----END EC PRIVATE KEY-----\n').toString('base64') };
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-ca', namespace: 'kube-system' }, data: caData });
    expect((await hosts.fleet().exec('node1', ['kubectl', 'create', '-f', '-'], { stdin: manifest })).exitCode).toBe(0);
    // cluster 2 has its own (the chart made one): another manager's, other content
    const other = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-ca', namespace: 'kube-system' }, data: { 'ca.crt': Buffer.from('OTHER-CA').toString('base64') } });
    expect((await hosts.fleet().exec('node2', ['kubectl', 'create', '-f', '-'], { stdin: other })).exitCode).toBe(0);

    const read = await kubeResourceInfo.run(t('node1'), { apiVersion: 'v1', kind: 'Secret', name: 'cilium-ca', namespace: 'kube-system' });
    expect(read.changed).toBe(false);
    const ca = read.output as KubeObject;
    const texts = [shown(read)];
    const copy = { object: ca, forceConflicts: true };
    const check = await kubeResource.run(t('node2'), copy, { check: true, diff: true });
    expect(check.changes.map((c) => c.summary)).toEqual(['update Secret kube-system/cilium-ca: data.ca.crt, data.ca.key']);
    texts.push(shown(check));
    const applied = await kubeResource.run(t('node2'), copy, { diff: true });
    expect(applied.changed).toBe(true);
    texts.push(shown(applied));
    const again = await kubeResource.run(t('node2'), copy, { diff: true });
    expect(again.changed, 'the same content is not replaced again').toBe(false);
    texts.push(shown(again));
    const onTwo = JSON.parse((await kubectl('node2', 'get secret cilium-ca -n kube-system -o json')).out);
    expect(onTwo.data).toEqual(caData);
    expect(onTwo.metadata.uid).not.toBe(JSON.parse((await kubectl('node1', 'get secret cilium-ca -n kube-system -o json')).out).metadata.uid);

    // Canary: the CA's data (base64 and decoded) and the kubeconfig's client key appear nowhere.
    const all = texts.join('\n');
    for (const value of Object.values(caData)) {
      expect(all).not.toContain(value);
      expect(all).not.toContain(Buffer.from(value, 'base64').toString('utf8').split('\n')[1]!);
    }
    expect(all).not.toContain(clientKey.split('\n')[1]!);
    expect(all).toContain('***');
  });

  it('a Secret declared with engine Secrets: applied, and its values never in results or errors', async () => {
    const token = secret('canary-token-7f3a9c2e41');
    const object = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api-token', namespace: 'apps' }, stringData: { token } } as unknown as KubeObject;
    const first = await kubeResource.run(t('node1'), { object }, { diff: true });
    expect(first.changed).toBe(true);
    expect(Buffer.from(JSON.parse((await kubectl('node1', 'get secret api-token -n apps -o json')).out).data.token, 'base64').toString()).toBe('canary-token-7f3a9c2e41');
    const second = await kubeResource.run(t('node1'), { object }, { diff: true });
    expect(second.changed).toBe(false);
    const bad = await kubeResource.run(t('node1'), { object: { ...object, metadata: { name: 'Bad_Name', namespace: 'apps' } } }).catch((e: unknown) => e);
    for (const text of [shown(first), shown(second), inspect(bad), JSON.stringify(bad)]) {
      expect(text).not.toContain('canary-token-7f3a9c2e41');
      expect(text).not.toContain(Buffer.from('canary-token-7f3a9c2e41').toString('base64'));
    }
  });

  it('an API that is down is a clear UNREACHABLE naming the endpoint, the kubeconfig and the host', async () => {
    await hosts.sh('node2', 'systemctl stop kube-apiserver');
    try {
      for (const check of [true, false]) {
        const error = await kubeResource.run(t('node2'), { object: ns }, { check }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MeshbookError);
        expect((error as MeshbookError).code).toBe('UNREACHABLE');
        expect((error as MeshbookError).message).toContain('the Kubernetes API https://127.0.0.1:6443 (kubeconfig ~/.kube/config) is unreachable from node2');
      }
    } finally {
      await hosts.sh('node2', 'systemctl start kube-apiserver && for i in $(seq 60); do kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 1; done');
    }
  });

  it('credentials of the other cluster are refused (401), said so', async () => {
    // node1's admin client certificate, against node2's API (node2's CA is trusted: the cert is not).
    await hosts.sh('node2', 'true');
    const mixed = (await hosts.sh('node1', 'cat /root/.kube/config')).replace(/certificate-authority-data: .*/, `certificate-authority-data: ${(await hosts.sh('node2', "sed -n 's/^ *certificate-authority-data: //p' /root/.kube/config")).trim()}`);
    await hosts.fleet().exec('node2', ['sh', '-c', 'cat > /root/mixed.conf && chmod 600 /root/mixed.conf'], { stdin: mixed });
    const error = await kubeResource.run(t('node2'), { object: ns, kubeconfig: '/root/mixed.conf' }).catch((e: unknown) => e);
    expect((error as MeshbookError).message).toMatch(/401/);
    expect((error as MeshbookError).hint).toContain('not accepted by this cluster');
    expect(inspect(error)).not.toContain(clientKey.split('\n')[1]!);
  });

  it('a kubeconfig naming its CA, certificate and key by file path (relative to it): read on the host, the key never shown', async () => {
    // kubectl config set-credentials --client-key=... writes such files; the paths are the host's.
    await hosts.sh('node1', `set -e; mkdir -p /root/files/pki; cd /root/files
      k() { sed -n "s/^ *$1: //p" /root/.kube/config | base64 -d; }
      k client-certificate-data > pki/admin.crt; k client-key-data > pki/admin.key; chmod 600 pki/admin.key
      sed -e 's#certificate-authority-data: .*#certificate-authority: /etc/kubernetes/pki/ca.crt#' -e 's#client-certificate-data: .*#client-certificate: pki/admin.crt#' -e 's#client-key-data: .*#client-key: pki/admin.key#' /root/.kube/config > kubeconfig`);
    expect(await hosts.sh('node1', 'grep -c -- "-data:" /root/files/kubeconfig || true')).toBe('0\n');
    expect((await kubectl('node1', '--kubeconfig /root/files/kubeconfig get ns default -o name')).out).toBe('namespace/default\n');
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-files', namespace: 'default' }, data: { a: 'b' } } satisfies ConfigMap;
    const results: ModuleResult[] = [];
    const { first, second } = await proveIdempotent(kubeResource, t('node1'), { object, kubeconfig: '/root/files/kubeconfig' }, async () => {
      expect(JSON.parse((await kubectl('node1', 'get cm from-files -o json')).out).data).toEqual({ a: 'b' });
    }, { diff: true });
    results.push(first, second);
    // the login user's default kubeconfig (~/.kube/config) with paths relative to ~/.kube
    await hosts.sh('node1', 'cp /root/.kube/config /root/.kube/config.data && mkdir -p /root/.kube/pki && cp /root/files/pki/* /root/.kube/pki/ && cp /root/files/kubeconfig /root/.kube/config');
    try {
      const read = await kubeResourceInfo.run(t('node1'), { apiVersion: 'v1', kind: 'ConfigMap', name: 'from-files' });
      expect((read.output as ConfigMap).data).toEqual({ a: 'b' });
      results.push(read);
      await hosts.sh('node1', 'mv /root/.kube/pki/admin.key /root/.kube/pki/moved.key');
      const error = await kubeResource.run(t('node1'), { object }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).message).toBe('kubeconfig ~/.kube/config: client-key pki/admin.key (user "kubernetes-admin", context "kubernetes-admin@cluster-1") cannot be read on node1: no such file');
      expect((error as MeshbookError).hint).toContain('client-key-data');
      results.push(error as ModuleResult);
    } finally {
      await hosts.sh('node1', 'mv /root/.kube/config.data /root/.kube/config && rm -rf /root/.kube/pki');
    }
    for (const text of results.map(shown)) expect(text).not.toContain(clientKey.split('\n')[1]!);
  });

  it('examples/kube-service.ts: a plain TypeScript program checks, applies, then finds nothing to do', async () => {
    const host = hosts.fleet().host('node1');
    const example = async (...args: string[]) =>
      (await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/kube-service.ts', host.address, String(host.port), ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, KEY: hosts.fleet().privateKeyPath, KNOWN_HOSTS: hosts.fleet().knownHostsPath },
      })).stdout;
    const checked = await example();
    expect(checked).toContain('would change:\n# Service default/hello: create Service default/hello');
    expect((await kubectl('node1', 'get svc hello')).err).toContain('not found');
    const applied = await example('--apply');
    expect(applied).toMatch(/^changed:/);
    const clusterIP = (await kubectl('node1', 'get svc hello -o jsonpath={.spec.clusterIP}')).out;
    expect(applied).toContain(`clusterIP: ${clusterIP}`);
    expect(await example()).toBe(`already as declared\nclusterIP: ${clusterIP}\n`);
  });

  it('the copy as a playbook at -vvv --diff --json: the new CA and the client keys appear in no output or event', async () => {
    const key = 'CILIUMCAKEY-canary-d41c8f0e';
    const caData = { 'ca.crt': Buffer.from('CILIUMCACERT-rotated').toString('base64'), 'ca.key': Buffer.from(key).toString('base64') };
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-ca', namespace: 'kube-system' }, data: caData });
    expect((await hosts.fleet().exec('node1', ['kubectl', 'replace', '-f', '-'], { stdin: manifest })).exitCode).toBe(0);
    const inventory = await writeInventory(hosts.fleet(), workDir());
    const playbook = `${REPO_ROOT}test/integration/modules/fixtures/kube-cilium-ca.ts`;
    const run = await meshbook(['run', playbook, '-i', inventory, '--json', '-vvv', '--diff']);
    expectExit(run, 0);
    const copied = run.events.find((e) => e.type === 'host.result' && e.task === 'cilium-ca on cluster 2' && e.host === 'node2');
    expect(copied).toMatchObject({ status: 'changed' });
    expect(JSON.parse((await kubectl('node2', 'get secret cilium-ca -n kube-system -o json')).out).data).toEqual(caData);
    const human = await meshbook(['run', playbook, '-i', inventory, '-vvv', '--diff']);
    expectExit(human, 0);
    expect(human.stdout).toMatch(/ok: \[node2\]/);
    for (const [where, text] of [['JSON run', run.stdout + run.stderr], ['human run', human.stdout + human.stderr]] as const) {
      expectNoSecretIn(where, text, key);
      expectNoSecretIn(where, text, clientKey.split('\n')[1]!);
    }
  });
});
