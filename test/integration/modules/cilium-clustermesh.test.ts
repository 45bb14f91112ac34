import { beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshbookError } from '@meshbook/engine';
import { ciliumClustermesh, ciliumClustermeshConnect, ciliumClustermeshStatus, fetch, kubeconfig, kubeResource, kubeResourceInfo } from '@meshbook/modules';
import type { FetchOutput, KubeObject } from '@meshbook/modules';
import type { Secret } from '@meshbook/engine';
import { proveCheckMode, proveIdempotent, useHosts } from '../support/prove.js';
import { installDoubles, stageDoubles } from '../support/doubles.js';
import { installCilium } from '../support/cilium.js';
import { ciliumInstalledManifest } from '../doubles/loopback-clusters.js';
import { REPO_ROOT, meshbook } from '../support/cli.js';
import { expectExit, expectNoSecretIn, resultsOf, useWorkDir, writeInventory } from '../faults/harness.js';

/**
 * ciliumClustermesh (seed 000-18) and ciliumClustermeshConnect (000-20) on two fleet hosts, each
 * the master of a one-node cluster made by the kubeadm double, with the cilium double as
 * cilium-cli (its clustermesh-apiserver a systemd unit on the master). The real kubectl and
 * cilium's own `clustermesh status` judge. ayk-master holds both clusters' contexts in one
 * kubeconfig (fetch + kubeconfig, as seed 000-14 does), so it connects the pair.
 */
const hosts = useHosts(['ayk-master', 'kzh-master']);
const workDir = useWorkDir();
const clusters = {
  ayk: { host: 'ayk-master', name: 'cluster-ayk', id: 1, user: 'kubernetes-admin-ayk', podSubnet: '10.242.0.0/16' },
  kzh: { host: 'kzh-master', name: 'cluster-kzh', id: 2, user: 'kubernetes-admin-kzh', podSubnet: '10.244.0.0/16' },
};
type Cluster = (typeof clusters)[keyof typeof clusters];
const { ayk, kzh } = clusters;
const context = (c: Cluster) => `${c.user}@${c.name}`;
const ownKubeconfig = (c: Cluster) => `/root/.kube/config-${c.name}`;
const MESH = '/root/.kube/mesh';
const t = (c: Cluster) => hosts.transport(c.host);
const exec = (c: Cluster, script: string, stdin?: string) => hosts.fleet().exec(c.host, ['sh', '-c', script], stdin === undefined ? {} : { stdin });
const kubectl = (c: Cluster, args: string) => exec(c, `kubectl --kubeconfig ${ownKubeconfig(c)} ${args}`);

/** Every write to kube-system shows as a new resourceVersion; on the host, the daemon's unit and files. */
async function snapshot(c: Cluster): Promise<string> {
  const api = await kubectl(c, `get svc,deploy,secret,cm -n kube-system -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}'`);
  expect(api.exitCode, api.stderr).toBe(0);
  const host = await exec(c, "systemctl list-units 'clustermesh-apiserver@*' --all --no-legend --plain; ls -lR --time-style=+ /etc/clustermesh-apiserver /etc/systemd/system 2>&1");
  return `${api.stdout}\n${host.stdout}`;
}
const both = async () => `${await snapshot(ayk)}\n${await snapshot(kzh)}`;
const meshSecret = async (c: Cluster) => (await kubectl(c, 'get secret cilium-clustermesh -n kube-system -o jsonpath={.metadata.resourceVersion} --ignore-not-found')).stdout;

beforeAll(async () => {
  const staged = await stageDoubles();
  try {
    await Promise.all(Object.values(clusters).map((c) => installDoubles(hosts.fleet(), c.host, staged.tarball)));
  } finally {
    staged.cleanup();
  }
  await installCilium(hosts.fleet(), [ayk.host, kzh.host]);
  // the two masters at once: each kubeadm init waits on its own API server
  await Promise.all(Object.values(clusters).map(async (c) => {
    const ip = hosts.fleet().host(c.host).ip;
    const config = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${ip}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: ${c.name}
controlPlaneEndpoint: ${ip}:6443
kubernetesVersion: v1.31.9
networking:
  podSubnet: ${c.podSubnet}
`;
    const init = await exec(c, 'cat > /root/kubeadm.yaml && kubeadm init --config /root/kubeadm.yaml --skip-phases=addon/kube-proxy', config);
    expect(init.exitCode, init.stderr).toBe(0);
    // Seed 000-13: a per-cluster admin user, so both clusters' contexts can live in one kubeconfig.
    const user = await exec(c, `mkdir -p /root/.kube && kubeadm kubeconfig user --config /root/kubeadm.yaml --client-name=${c.user} --org=system:masters > ${ownKubeconfig(c)} && chmod 600 ${ownKubeconfig(c)}`);
    expect(user.exitCode, user.stderr).toBe(0);
    const ready = await kubectl(c, `wait --for=condition=Ready node/${c.host} --timeout=60s`);
    expect(ready.exitCode, ready.stderr).toBe(0);
    const cilium = await exec(c, `kubectl --kubeconfig ${ownKubeconfig(c)} create -f -`, ciliumInstalledManifest({ name: c.name, id: c.id } as never, []));
    expect(cilium.exitCode, cilium.stderr).toBe(0);
  }));
}, 900_000);

const enable = (c: Cluster) => ({ kubeconfig: ownKubeconfig(c), context: context(c), serviceType: 'NodePort' as const });
const connect = { kubeconfig: MESH, context: context(ayk), destinationContext: context(kzh), destinationCluster: kzh.name, waitSeconds: 60 };

describe('ciliumClustermesh', () => {
  it('check mode on a fresh cluster plans the enable; the API and the host are untouched', async () => {
    const result = await proveCheckMode(ciliumClustermesh, t(ayk), enable(ayk), () => snapshot(ayk));
    expect(result.changes.map((c) => c.summary)).toEqual(['cilium clustermesh enable --service-type NodePort']);
    expect((await kubectl(ayk, 'get svc clustermesh-apiserver -n kube-system')).stderr).toContain('not found');
  });

  it('an API that is down: apply fails UNREACHABLE naming the context, and starts nothing', async () => {
    await exec(ayk, 'systemctl stop kube-apiserver');
    try {
      const before = (await exec(ayk, "systemctl list-units 'clustermesh-apiserver@*' --all --no-legend --plain")).stdout;
      const error = await ciliumClustermesh.run(t(ayk), enable(ayk)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).code).toBe('UNREACHABLE');
      expect((error as MeshbookError).message).toContain(`enabling clustermesh in ${context(ayk)}:`);
      expect((error as MeshbookError).hint).toContain('API server is up');
      expect((await exec(ayk, "systemctl list-units 'clustermesh-apiserver@*' --all --no-legend --plain")).stdout).toBe(before);
    } finally {
      await exec(ayk, 'systemctl start kube-apiserver');
    }
    const back = await exec(ayk, `for i in $(seq 60); do kubectl --kubeconfig ${ownKubeconfig(ayk)} get --raw /readyz >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1`);
    expect(back.exitCode, back.stderr).toBe(0);
  });

  it('enables with the service type (the clustermesh-apiserver runs as a unit), then changes nothing', async () => {
    await proveIdempotent(ciliumClustermesh, t(ayk), enable(ayk), async () => {
      expect((await kubectl(ayk, 'get svc clustermesh-apiserver -n kube-system -o jsonpath={.spec.type}')).stdout).toBe('NodePort');
      expect((await exec(ayk, `systemctl is-active clustermesh-apiserver@${ayk.name}`)).stdout.trim()).toBe('active');
      const status = await exec(ayk, `cilium clustermesh status --kubeconfig ${ownKubeconfig(ayk)} -o json`);
      expect(JSON.parse(status.stdout).access_information).toMatchObject({ service_type: 'NodePort', cluster_name: ayk.name });
    });
  });
});

describe('ciliumClustermeshConnect', () => {
  it('both contexts in one kubeconfig on ayk-master: fetch from kzh-master, merged with kubeconfig', async () => {
    const other = await fetch.run(t(kzh), { path: ownKubeconfig(kzh), secret: true });
    const mine = await fetch.run(t(ayk), { path: ownKubeconfig(ayk), secret: true });
    const kubeconfigs = [(mine.output as FetchOutput).content as Secret, (other.output as FetchOutput).content as Secret];
    await proveIdempotent(kubeconfig, t(ayk), { user: 'root', path: MESH, kubeconfigs, currentContext: context(ayk) });
    expect((await exec(ayk, `kubectl --kubeconfig ${MESH} config get-contexts -o name`)).stdout.split('\n').filter(Boolean).sort()).toEqual([context(ayk), context(kzh)]);
  });

  it('to a cluster whose clustermesh is not enabled: a clear error, neither cluster configured', async () => {
    const before = [await meshSecret(ayk), await meshSecret(kzh)];
    const error = await ciliumClustermeshConnect.run(t(ayk), connect).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).message).toContain(`connecting ${context(ayk)} to ${context(kzh)}: `);
    expect((error as MeshbookError).message).toContain(`clustermesh is not enabled in ${context(kzh)} (cluster ${kzh.name})`);
    expect((error as MeshbookError).message).toMatch(/services "clustermesh-apiserver" not found/);
    expect((error as MeshbookError).hint).toContain(`enable clustermesh in ${context(kzh)} (cluster ${kzh.name}) first`);
    expect([await meshSecret(ayk), await meshSecret(kzh)]).toEqual(before);
  });

  it("cluster 1's cilium-ca copied into cluster 2 (from ayk-master, never printed), then clustermesh enabled there", async () => {
    const ca = (await kubeResourceInfo.run(t(ayk), { apiVersion: 'v1', kind: 'Secret', name: 'cilium-ca', namespace: 'kube-system', kubeconfig: MESH, context: context(ayk) })).output as KubeObject;
    expect(ca).not.toBeNull();
    const object = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-ca', namespace: 'kube-system' }, data: (ca as { data?: Record<string, unknown> }).data } as KubeObject;
    await proveIdempotent(kubeResource, t(ayk), { object, kubeconfig: MESH, context: context(kzh) });
    await proveIdempotent(ciliumClustermesh, t(kzh), enable(kzh));
    const caOf = async (c: Cluster) => (await kubectl(c, 'get secret cilium-ca -n kube-system -o jsonpath={.data.ca\\.crt}')).stdout;
    expect(await caOf(kzh)).toBe(await caOf(ayk));
  });

  it('check mode plans the connect and configures neither cluster', async () => {
    const result = await proveCheckMode(ciliumClustermeshConnect, t(ayk), connect, both);
    expect(result.changes.map((c) => c.summary)).toEqual([`cilium clustermesh connect --destination-context ${context(kzh)}`]);
  });

  it('connects both ways and waits until the nodes are connected; then changes nothing', async () => {
    await proveIdempotent(ciliumClustermeshConnect, t(ayk), connect, async () => {
      for (const c of [ayk, kzh]) {
        const s = await exec(c, `cilium clustermesh status --kubeconfig ${ownKubeconfig(c)} --wait --wait-duration 30s`);
        expect(s.exitCode, s.stdout + s.stderr).toBe(0);
        expect(s.stdout).toContain('✅ All 1 nodes are connected to all clusters');
      }
    });
    const status = await ciliumClustermeshStatus.run(t(kzh), { kubeconfig: ownKubeconfig(kzh), peers: [ayk.name], waitSeconds: 30 });
    expect(status.output).toEqual({ connected: { [ayk.name]: '1/1' } });
  });
});

/**
 * Every private key, token and Secret key material in both clusters: the kubeconfigs' client keys
 * (base64 and PEM lines), and every Secret value in kube-system whose key names a key or token
 * (cilium-ca's ca.key, the clustermesh-apiserver certificates' tls.key, bootstrap tokens).
 */
async function secretsOfBothClusters(): Promise<string[]> {
  const out: string[] = [];
  for (const c of [ayk, kzh]) {
    const key = (await exec(c, `sed -n 's/^ *client-key-data: *//p' ${ownKubeconfig(c)}`)).stdout.trim();
    out.push(key, ...Buffer.from(key, 'base64').toString().split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')).slice(0, 3));
    const secrets = JSON.parse((await kubectl(c, 'get secrets -n kube-system -o json')).stdout) as { items: Array<{ data?: Record<string, string> }> };
    for (const item of secrets.items) {
      for (const [name, value] of Object.entries(item.data ?? {})) {
        if (!/key|token-secret|token$/i.test(name)) continue;
        const decoded = Buffer.from(value, 'base64').toString();
        out.push(value, ...decoded.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')).slice(0, 3));
        if (!decoded.includes('\n')) out.push(decoded);
      }
    }
  }
  return [...new Set(out.filter((s) => s.length >= 16))];
}

describe('the pair as a playbook at -vvv --diff --json: no key, token or Secret data in any output', () => {
  const PLAYBOOK = join(REPO_ROOT, 'test/integration/modules/fixtures/clustermesh-pair.ts');
  const outputs: Array<{ where: string; text: string }> = [];
  let inventory = '';
  const play = (args: string[]) => meshbook(['run', PLAYBOOK, '-i', inventory, ...args], { timeoutMs: 300_000 });

  it('check mode: fetch, merge, the CA copy and the enable planned; nothing changes', async () => {
    // Cluster 2 as before seed 000-18: clustermesh disabled, no cilium-ca (the connection to cluster 1 stays configured).
    const reset = await exec(kzh, `cilium clustermesh disable --kubeconfig ${ownKubeconfig(kzh)} && kubectl --kubeconfig ${ownKubeconfig(kzh)} delete secret cilium-ca -n kube-system`);
    expect(reset.exitCode, reset.stderr).toBe(0);
    inventory = await writeInventory(hosts.fleet(), workDir());
    const before = `${await both()}${(await exec(ayk, 'ls /root/.kube')).stdout}${(await exec(kzh, 'ls /root/.kube')).stdout}`;
    const logFile = join(workDir(), 'check.log');
    const run = await play(['--check', '--json', '-vvv', '--diff', '--log-file', logFile]);
    expectExit(run, 0);
    outputs.push({ where: 'check: JSON events and stderr', text: run.stdout + run.stderr }, { where: 'check: log', text: await readFile(logFile, 'utf8') });
    expect(Object.values(resultsOf(run, 'merge kubeconfigs')).map((r) => r.status)).toEqual(['changed', 'changed']);
    expect(resultsOf(run, 'copy cilium-ca')[ayk.host]).toMatchObject({ status: 'changed' });
    expect(resultsOf(run, 'clustermesh enable')).toMatchObject({ [ayk.host]: { status: 'ok' }, [kzh.host]: { status: 'changed' } });
    expect(`${await both()}${(await exec(ayk, 'ls /root/.kube')).stdout}${(await exec(kzh, 'ls /root/.kube')).stdout}`).toBe(before);
  });

  it('apply, then apply again with no change (human output at -vvv --diff)', async () => {
    const logFile = join(workDir(), 'apply.log');
    const run = await play(['--json', '-vvv', '--diff', '--log-file', logFile]);
    expectExit(run, 0);
    outputs.push({ where: 'apply: JSON events and stderr', text: run.stdout + run.stderr }, { where: 'apply: log', text: await readFile(logFile, 'utf8') });
    expect(resultsOf(run, 'copy cilium-ca')[ayk.host]).toMatchObject({ status: 'changed' });
    expect(resultsOf(run, 'clustermesh enable')[kzh.host]).toMatchObject({ status: 'changed' });
    const status = await ciliumClustermeshStatus.run(t(ayk), { kubeconfig: ownKubeconfig(ayk), peers: [kzh.name], waitSeconds: 60 });
    expect(status.output).toEqual({ connected: { [kzh.name]: '1/1' } });
    const again = await play(['-vvv', '--diff']);
    expectExit(again, 0);
    outputs.push({ where: 'second run: human output', text: again.stdout + again.stderr });
    for (const c of [ayk, kzh]) expect(again.stdout).toMatch(new RegExp(`${c.host} +: ok=\\d+ +changed=0`));
  });

  it('none of the clusters\' keys, tokens or Secret key data appears in any of it', async () => {
    const secrets = await secretsOfBothClusters();
    // both client keys, cilium-ca's key, the clustermesh-apiserver certificates' keys, bootstrap tokens
    expect(secrets.length).toBeGreaterThan(10);
    expect(outputs.length).toBe(5);
    for (const { where, text } of outputs) for (const secret of secrets) expectNoSecretIn(where, text, secret);
    expect(outputs[2]!.text).toContain('***');
  });
});
