// The cilium double on clusters where Cilium was installed as seed 000 installs it: the real helm,
// the lab's cilium chart (1.14.4) and the seed's values. Then the seed's steps 000-18…20 with the
// double, and the playbook's second run (the same `helm upgrade`), which must not undo the mesh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { kubeClients } from '@meshbook/fleet';
import { startLoopbackClusters, type LoopbackClusters, type Result } from './loopback-clusters.js';

let lab: LoopbackClusters;
let helmBin: string;
let chartDir: string;

/** The seed's cilium.yaml for one cluster (000-17), 1.14 key names. */
const seedValues = (c: { name: string; id: number; address: string }) => `k8sServiceHost: ${c.address}
k8sServicePort: 6443
cluster:
  name: ${c.name}
  id: ${c.id}
bandwidthManager:
  enabled: true
bpf:
  hostLegacyRouting: false
  lbExternalClusterIP: true
  masquerade: true
hubble:
  enabled: true
  listenAddress: :4244
  metrics:
    enableOpenMetrics: true
    enabled:
    - dns:query;ignoreAAAA
    - drop
    - flow
  relay:
    enabled: true
  ui:
    enabled: true
externalIPs:
  enabled: true
ipam:
  mode: kubernetes
kubeProxyReplacement: strict
operator:
  prometheus:
    enabled: true
prometheus:
  enabled: true
localRedirectPolicy: true
externalWorkloads:
  enabled: true
tunnel: vxlan
`;

function helm(context: string, args: string[]): Promise<Result> {
  return new Promise((done) => {
    execFile(
      helmBin,
      ['--kube-context', context, ...args],
      { env: { PATH: process.env.PATH, HOME: lab.dir, KUBECONFIG: lab.kubeconfig, HELM_CACHE_HOME: join(lab.dir, 'helm/cache'), HELM_CONFIG_HOME: join(lab.dir, 'helm/config'), HELM_DATA_HOME: join(lab.dir, 'helm/data') } },
      (err, stdout, stderr) => done({ code: err ? 1 : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

beforeAll(async () => {
  lab = await startLoopbackClusters();
  helmBin = (await kubeClients()).helm;
  // The lab's chart as its repository serves it: values-1.14.yaml as values.yaml, version 1.14.4.
  chartDir = join(lab.dir, 'chart/cilium');
  mkdirSync(chartDir, { recursive: true });
  const source = resolve(import.meta.dirname, '../../../packages/fleet/charts/cilium');
  cpSync(source, chartDir, { recursive: true, filter: (p) => !/\/values-[^/]*\.yaml$/.test(p) });
  cpSync(join(source, 'values-1.14.yaml'), join(chartDir, 'values.yaml'));
  writeFileSync(join(chartDir, 'Chart.yaml'), readFileSync(join(chartDir, 'Chart.yaml'), 'utf8').replace(/^version: .*$/m, 'version: 1.14.4').replace(/^appVersion: .*$/m, 'appVersion: 1.14.4'));
  for (const c of lab.clusters) {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: `${c.name}-master-1` }, spec: { podCIDR: c.id === 1 ? '10.242.0.0/24' : '10.244.0.0/24' }, status: { addresses: [{ type: 'InternalIP', address: c.address }] } };
    expect((await lab.kubectl(c.context, ['create', '-f', '-'], JSON.stringify(node))).code).toBe(0);
    writeFileSync(join(lab.dir, `${c.name}.yaml`), seedValues(c));
  }
}, 120_000);
afterAll(async () => lab?.destroy());

const logs = () => lab.clusters.map((x) => `\n--- ${x.name} clustermesh-apiserver log\n${lab.daemonLog(x.name)}`).join('');
const install = (c: LoopbackClusters['clusters'][0]) => helm(c.context, ['upgrade', '--install', '-n', 'kube-system', 'cilium', chartDir, '-f', join(lab.dir, `${c.name}.yaml`)]);

describe('cilium double on the lab chart, installed by helm as seed 000 does', () => {
  it('cilium status --wait sees the release ready', async () => {
    for (const c of lab.clusters) {
      const r = await install(c);
      expect(r.code, r.stderr).toBe(0);
      const s = await lab.cilium(['status', '--wait', '--wait-duration', '60s', '--context', c.context]);
      expect(s.code, s.stdout + s.stderr).toBe(0);
      expect(s.stdout).toMatch(/Cilium:\s+OK/);
      expect(s.stdout).toMatch(/Operator:\s+OK/);
      expect(s.stdout).toContain('Helm chart version:    1.14.4');
    }
  });

  it('seed 000-18…20: enable, copy the CA, enable, connect: connected', async () => {
    const [ayk, kzh] = lab.clusters;
    expect((await lab.cilium(['clustermesh', 'enable', '--context', ayk.context, '--service-type', 'NodePort'])).code).toBe(0);
    const ca = JSON.parse((await lab.kubectl(ayk.context, ['-n', 'kube-system', 'get', 'secret', 'cilium-ca', '-o', 'json'])).stdout);
    await lab.kubectl(kzh.context, ['-n', 'kube-system', 'delete', 'secret', 'cilium-ca', '--ignore-not-found']);
    // As the seed's `kubectl get -o yaml | kubectl create -f -`: labels and annotations come along.
    const copy = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-ca', namespace: 'kube-system', labels: ca.metadata.labels, annotations: ca.metadata.annotations }, type: ca.type, data: ca.data };
    expect((await lab.kubectl(kzh.context, ['create', '-f', '-'], JSON.stringify(copy))).code).toBe(0);
    expect((await lab.cilium(['clustermesh', 'enable', '--context', kzh.context, '--service-type', 'NodePort'])).code).toBe(0);
    const connect = await lab.cilium(['clustermesh', 'connect', '--context', ayk.context, '--destination-context', kzh.context]);
    expect(connect.code, connect.stderr).toBe(0);
    for (const c of lab.clusters) {
      const s = await lab.cilium(['clustermesh', 'status', '--context', c.context, '--wait', '--wait-duration', '60s']);
      expect(s.code, s.stdout + s.stderr + logs()).toBe(0);
      expect(s.stdout).toContain('✅ All 1 nodes are connected to all clusters');
    }
  });

  it("the playbook's second run (the same helm upgrade) leaves the clusters connected", async () => {
    for (const c of lab.clusters) expect((await install(c)).code).toBe(0);
    for (const c of lab.clusters) {
      const s = await lab.cilium(['clustermesh', 'status', '--context', c.context, '--wait', '--wait-duration', '60s', '-o', 'json']);
      expect(s.code, s.stderr).toBe(0);
      const j = JSON.parse(s.stdout);
      const peer = lab.clusters.find((o) => o !== c)!.name;
      expect(j.connectivity.clusters[peer].connected).toBe(j.connectivity.total);
    }
  });

  it('a later helm upgrade that renders the clustermesh-apiserver adopts what enable created, and the mesh holds', async () => {
    for (const c of lab.clusters) {
      const r = await helm(c.context, ['upgrade', '-n', 'kube-system', 'cilium', chartDir, '-f', join(lab.dir, `${c.name}.yaml`), '--set', 'clustermesh.useAPIServer=true']);
      expect(r.code, r.stderr).toBe(0);
    }
    for (const c of lab.clusters) {
      const s = await lab.cilium(['clustermesh', 'status', '--context', c.context, '--wait', '--wait-duration', '60s']);
      expect(s.code, s.stdout + s.stderr).toBe(0);
      expect(s.stdout).toContain('✅ All 1 nodes are connected to all clusters');
    }
  });
});
