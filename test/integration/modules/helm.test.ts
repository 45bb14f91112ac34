import { beforeAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { MeshbookError, secret } from '@meshbook/engine';
import { helmRelease, helmRepository, kubeResource } from '@meshbook/modules';
import type { KubeObject } from '@meshbook/modules';
import type { Service } from 'kubernetes-types/core/v1.js';
import { proveCheckMode, proveIdempotent, useHosts } from '../support/prove.js';
import { initClusters, installHelm } from '../support/kube-cluster.js';
import { REPO_ROOT, meshbook } from '../support/cli.js';
import { expectExit, expectNoSecretIn, resultsOf, useWorkDir, writeInventory } from '../faults/harness.js';
import { HELM_NOTES_CANARY } from './fixtures/helm-secret-notes.js';
import { HELM_REPOSITORY_CACHE_DIR } from '../../../packages/modules/src/helm/helm-repository.js';

/**
 * helmRepository and helmRelease with the real helm on a fleet host, against a one-node cluster
 * of the kubeadm double, the charts from the lab's chart repositories (stand-ins). The release
 * history (`helm history`, revisions) and the real kubectl judge.
 */
const hosts = useHosts(1, { standIns: true });
const workDir = useWorkDir();
const NOTES_PLAYBOOK = `${REPO_ROOT}test/integration/modules/fixtures/helm-secret-notes.ts`;
const H = 'node1';
const t = () => hosts.transport(H);
const urls = () => hosts.fleet().standIns!.urls;
const sh = (script: string) => hosts.fleet().exec(H, ['sh', '-c', script]);
const releases = async () => JSON.parse((await sh('helm list -A -a -o json')).stdout) as Array<{ name: string; revision: string; status: string; chart: string }>;

const metallb = (values: Record<string, unknown> = { controller: { logLevel: 'info' } }) => ({
  name: 'metallb', namespace: 'metallb-system', chart: 'metallb/metallb', version: '0.14.9', values, createNamespace: true, wait: true, timeoutSeconds: 120,
});

/** A chart on the host whose values.schema.json wants an integer replicas. */
const WEBAPP = '/root/charts/webapp';

beforeAll(async () => {
  await installHelm(hosts.fleet(), [H]);
  await initClusters(hosts.fleet(), [H]);
  const made = await sh(`mkdir -p ${WEBAPP}/templates && cd ${WEBAPP} && printf 'apiVersion: v2\\nname: webapp\\nversion: 0.1.0\\n' > Chart.yaml && printf 'replicas: 1\\ngreeting: hi\\n' > values.yaml && printf '%s' '{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"replicas":{"type":"integer","minimum":1}}}' > values.schema.json && printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: webapp\\ndata:\\n  replicas: "{{ .Values.replicas }}"\\n  greeting: {{ .Values.greeting | quote }}\\n' > templates/cm.yaml`);
  expect(made.exitCode, made.stderr).toBe(0);
  // NOTES that print the greeting, and a Secret holding it (base64 in the manifest): what helm prints after an install.
  for (const [file, text] of [['NOTES.txt', 'Your greeting is {{ .Values.greeting }}\n'], ['secret.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: webapp\ndata:\n  greeting: {{ .Values.greeting | b64enc }}\n']]) {
    expect((await hosts.fleet().exec(H, ['sh', '-c', `cat > ${WEBAPP}/templates/${file}`], { stdin: text })).exitCode).toBe(0);
  }
}, 600_000);

describe('helmRepository with the real helm', () => {
  it('check mode on a fresh host reports the add and adds nothing', async () => {
    await proveCheckMode(helmRepository, t(), { name: 'metallb', url: urls().metallbCharts }, async () => (await sh('helm repo list -o json 2>&1')).stdout);
    expect((await sh('helm repo list -o json')).stdout.trim()).toBe('[]');
  });

  it('adds, then nothing; another URL re-points it; updateCache refreshes an old index only', async () => {
    await proveIdempotent(helmRepository, t(), { name: 'metallb', url: urls().metallbCharts }, async () => {
      expect(JSON.parse((await sh('helm repo list -o json')).stdout)).toEqual([{ name: 'metallb', url: urls().metallbCharts }]);
    });
    await helmRepository.run(t(), { name: 'cilium', url: urls().metallbCharts });
    await proveIdempotent(helmRepository, t(), { name: 'cilium', url: urls().ciliumCharts }, async () => {
      expect(JSON.parse((await sh('helm repo list -o json')).stdout)).toContainEqual({ name: 'cilium', url: urls().ciliumCharts });
    });
    expect((await helmRepository.run(t(), { name: 'cilium', url: urls().ciliumCharts, updateCache: true })).changed).toBe(false);
    await sh('touch -d "2 hours ago" "$(helm env HELM_REPOSITORY_CACHE)/cilium-index.yaml"');
    const refreshed = await helmRepository.run(t(), { name: 'cilium', url: urls().ciliumCharts, updateCache: true });
    expect(refreshed.changes.map((c) => c.kind)).toEqual(['helmRepository.update']);
    expect((await helmRepository.run(t(), { name: 'cilium', url: urls().ciliumCharts, updateCache: true })).changed).toBe(false);
  });

  it("finds the index where helm keeps it, whatever helm's cache variables say (helm env is the judge)", async () => {
    const settings = ['', 'XDG_CACHE_HOME=/tmp/xdg', 'HELM_CACHE_HOME=/tmp/hc XDG_CACHE_HOME=/tmp/xdg', 'HELM_REPOSITORY_CACHE=/tmp/rc HELM_CACHE_HOME=/tmp/hc', 'HOME=/tmp/home', 'XDG_CACHE_HOME= HELM_CACHE_HOME='];
    for (const setting of settings) {
      const helm = await sh(`env ${setting} helm env HELM_REPOSITORY_CACHE`);
      const expanded = await sh(`env ${setting} sh -c 'echo "${HELM_REPOSITORY_CACHE_DIR}"'`);
      expect(expanded.stdout, setting).toBe(helm.stdout);
    }
  });

  it('state absent removes it, then nothing', async () => {
    await helmRepository.run(t(), { name: 'old', url: urls().ciliumCharts });
    await proveIdempotent(helmRepository, t(), { name: 'old', url: urls().ciliumCharts, state: 'absent' });
    expect((await sh('helm repo list -o json')).stdout).not.toContain('"old"');
  });
});

describe('helmRelease with the real helm', () => {
  it('check mode on a fresh cluster reports the install; no release, no namespace', async () => {
    const snapshot = async () => `${(await sh('helm list -A -a -o json')).stdout}${(await sh('kubectl get ns -o name')).stdout}`;
    const result = await proveCheckMode(helmRelease, t(), metallb(), snapshot);
    expect(result.changes.map((c) => c.summary)).toEqual(['install metallb-system/metallb from metallb/metallb 0.14.9']);
    expect((await sh('kubectl get ns metallb-system')).stderr).toContain('not found');
  });

  it('installs (create namespace, wait); again: no upgrade, the revision stays 1', async () => {
    const { first } = await proveIdempotent(helmRelease, t(), metallb(), async () => {
      expect(await releases()).toMatchObject([{ name: 'metallb', revision: '1', status: 'deployed', chart: 'metallb-0.14.9' }]);
      expect((await sh('kubectl get deploy -n metallb-system metallb-controller -o name')).stdout.trim()).toBe('deployment.apps/metallb-controller');
      expect(JSON.parse((await sh('helm get values metallb -n metallb-system -o json')).stdout)).toEqual({ controller: { logLevel: 'info' } });
    });
    expect(first.output).toMatchObject({ name: 'metallb', revision: '1', status: 'deployed' });
    expect((await releases())[0]!.revision, 'a needless upgrade would have made revision 2').toBe('1');
    // no values file left behind
    expect((await sh('ls /tmp')).stdout).not.toMatch(/tmp\.\w+/);
  });

  it('changed values upgrade it once (revision 2), shown in the diff', async () => {
    const check = await helmRelease.run(t(), metallb({ controller: { logLevel: 'debug' } }), { check: true, diff: true });
    expect(check.diff).toContain('- chart: metallb-0.14.9\ncontroller.logLevel: "info"\n+ chart: metallb/metallb 0.14.9\ncontroller.logLevel: "debug"');
    await proveIdempotent(helmRelease, t(), metallb({ controller: { logLevel: 'debug' } }));
    expect((await releases())[0]).toMatchObject({ revision: '2', status: 'deployed' });
  });

  it('a LoadBalancer Service gets its address from a MetalLB pool (kubeResource with wait; the output carries it)', async () => {
    await proveIdempotent(kubeResource, t(), { object: { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'lab', namespace: 'metallb-system' }, spec: { addresses: ['10.250.0.10-10.250.0.19'] } } as KubeObject });
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'clustermesh-apiserver', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ port: 2379 }] } } satisfies Service;
    const result = await kubeResource.run(t(), { object: svc, wait: { loadBalancerIngress: true, timeoutSeconds: 60 } });
    const address = (result.output as Service).status?.loadBalancer?.ingress?.[0]?.ip;
    expect(address).toMatch(/^10\.250\.0\.1\d$/);
    expect((await sh('kubectl get svc clustermesh-apiserver -o jsonpath={.status.loadBalancer.ingress[0].ip}')).stdout).toBe(address);
    const again = await kubeResource.run(t(), { object: svc, wait: { loadBalancerIngress: true, timeoutSeconds: 60 } });
    expect(again.changed).toBe(false);
    expect((again.output as Service).status?.loadBalancer?.ingress?.[0]?.ip).toBe(address);
  });

  it('a chart version missing from the repository is a clear error; the release is untouched', async () => {
    const error = await helmRelease.run(t(), { ...metallb({ controller: { logLevel: 'debug' } }), version: '9.9.9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).message).toMatch(/upgrading helm release metallb-system\/metallb: .*9\.9\.9.*not found/);
    expect((error as MeshbookError).hint).toContain('helm search repo');
    expect((await releases())[0]).toMatchObject({ revision: '2', chart: 'metallb-0.14.9' });
  });

  it("values the chart's schema rejects are a clear error naming the field; nothing is installed", async () => {
    const error = await helmRelease.run(t(), { name: 'webapp', namespace: 'default', chart: WEBAPP, values: { replicas: 'three' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).message).toContain("the chart's schema rejects the values");
    expect((error as MeshbookError).message).toContain('replicas');
    expect((await releases()).map((r) => r.name)).not.toContain('webapp');
  });

  it('secret values go through a 0600 file, never a command line, and never into results', async () => {
    const password = secret('helm-canary-5e1b7d');
    const params = { name: 'webapp', namespace: 'default', chart: WEBAPP, values: { replicas: 2, greeting: password } };
    const progress: string[] = [];
    const { first, second } = await proveIdempotent(helmRelease, t(), params, async () => {
      expect((await sh('kubectl get cm webapp -o jsonpath={.data.greeting}')).stdout).toBe('helm-canary-5e1b7d');
      expect((await sh('helm get notes webapp')).stdout).toContain('Your greeting is helm-canary-5e1b7d');
    }, { onProgress: (line) => progress.push(line) });
    const changedSecret = await helmRelease.run(t(), { ...params, values: { replicas: 2, greeting: secret('helm-canary-other-9a') } }, { diff: true, onProgress: (line) => progress.push(line) });
    expect(changedSecret.diff).toContain('greeting: ***');
    // helm's output reached the live view as it came (its debug log), the release dump and NOTES did not
    expect(progress).toContain('installing helm release default/webapp (/root/charts/webapp)');
    expect(progress.some((l) => /\[debug\] creating \d+ resource/.test(l)), progress.join('\n')).toBe(true);
    expect(progress).toContain("(the release's values, manifest and NOTES are not shown)");
    expect(progress.join('\n')).not.toContain('Your greeting is');
    for (const text of [...[first, second, changedSecret].map((r) => `${JSON.stringify(r)}${inspect(r, { depth: 10 })}${r.diff ?? ''}`), progress.join('\n')]) {
      for (const canary of ['helm-canary-5e1b7d', 'helm-canary-other-9a']) {
        expect(text).not.toContain(canary);
        expect(text).not.toContain(Buffer.from(canary).toString('base64').replace(/=+$/, ''));
      }
    }
  });

  it('at -vvv --json: helm\'s output streams as progress events; the secret in the values, NOTES and manifest reaches no event or output', async () => {
    const inventory = await writeInventory(hosts.fleet(), workDir(), { hosts: [H] });
    const run = await meshbook(['run', NOTES_PLAYBOOK, '-i', inventory, '--json', '-vvv', '--diff']);
    expectExit(run, 0);
    expect(resultsOf(run, 'release with a secret greeting')[H]).toMatchObject({ status: 'changed' });
    const progress = run.events.filter((e) => e.type === 'host.progress' && e.task === 'release with a secret greeting').map((e) => (e as { line: string }).line);
    expect(progress.some((l) => /\[debug\] beginning wait/.test(l)), progress.join('\n')).toBe(true);
    expect((await sh('helm get notes notes -n notes')).stdout).toContain(`Your greeting is ${HELM_NOTES_CANARY}`);
    const human = await meshbook(['run', NOTES_PLAYBOOK, '-i', inventory, '-vvv', '--diff']);
    expectExit(human, 0);
    expectNoSecretIn('JSON events and stderr', run.stdout + run.stderr, HELM_NOTES_CANARY);
    expectNoSecretIn('human output', human.stdout + human.stderr, HELM_NOTES_CANARY);
    expect((await sh('ls /tmp')).stdout).not.toMatch(/tmp\.\w+/);
  });

  it('a pending-upgrade release is reported, not retried', async () => {
    // What an interrupted upgrade leaves: the latest stored release (helm's Secret: base64 of
    // gzipped JSON) says pending-upgrade. Made by hand, as helm would have written it.
    const latest = (await sh('kubectl get secret -n default -l owner=helm,name=webapp -o name | sort -V | tail -1')).stdout.trim();
    const stored = JSON.parse((await sh(`kubectl get -n default ${latest} -o json`)).stdout);
    const record = JSON.parse(gunzipSync(Buffer.from(Buffer.from(stored.data.release, 'base64').toString(), 'base64')).toString());
    record.info.status = 'pending-upgrade';
    stored.data.release = Buffer.from(gzipSync(JSON.stringify(record)).toString('base64')).toString('base64');
    stored.metadata.labels.status = 'pending-upgrade';
    expect((await hosts.fleet().exec(H, ['kubectl', 'replace', '-f', '-'], { stdin: JSON.stringify(stored) })).exitCode).toBe(0);
    const before = (await releases()).find((r) => r.name === 'webapp')!;
    expect(before.status).toBe('pending-upgrade');
    for (const check of [true, false]) {
      const error = await helmRelease.run(t(), { name: 'webapp', namespace: 'default', chart: WEBAPP, values: { replicas: 3 } }, { check }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).message).toMatch(new RegExp(`default/webapp is pending-upgrade \\(revision ${before.revision}, since `));
      expect((error as MeshbookError).hint).toContain('helm rollback');
    }
    expect((await releases()).find((r) => r.name === 'webapp')).toEqual(before);
  });

  it('state absent uninstalls, then nothing', async () => {
    await proveIdempotent(helmRelease, t(), { ...metallb(), state: 'absent' });
    expect((await releases()).map((r) => r.name)).not.toContain('metallb');
  });

  it('a cluster that is down is UNREACHABLE, told apart from other helm errors', async () => {
    await sh('systemctl stop kube-apiserver');
    try {
      const error = await helmRelease.run(t(), metallb(), { check: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).code).toBe('UNREACHABLE');
      expect((error as MeshbookError).message).toContain('Kubernetes cluster unreachable');
    } finally {
      await sh('systemctl start kube-apiserver');
    }
  });
});
