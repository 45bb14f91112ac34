import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeClients } from '../kube-clients.js';
import { buildChartRepository } from './charts.js';

const run = promisify(execFile);
let dir = '';
let helm = '';
const SEED_VALUES = new URL('../../../../test/integration/stand-ins/fixtures/cilium-ayk-1.14.4.yaml', import.meta.url);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbook-charts-test-'));
  helm = (await kubeClients()).helm;
  await buildChartRepository(
    helm,
    [
      { source: 'cilium', version: '1.14.4', appVersion: '1.14.4', values: 'values-1.14.yaml' },
      { source: 'cilium', version: '1.16.5', appVersion: '1.16.5', values: 'values-1.16.yaml' },
      { source: 'metallb', version: '0.14.9', appVersion: 'v0.14.9', values: 'values-default.yaml' },
    ],
    dir,
  );
  await writeFile(join(dir, 'seed.yaml'), await readFile(SEED_VALUES));
}, 30_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const template = (chart: string, ...args: string[]) =>
  run(helm, ['template', 'rel', join(dir, chart), '-n', 'kube-system', ...args], { env: { ...process.env, HELM_CACHE_HOME: dir, HELM_CONFIG_HOME: dir, HELM_DATA_HOME: dir } });
const kinds = (yaml: string) => [...yaml.matchAll(/^kind: (\S+)\nmetadata:\n  name: (\S+)$/gm)].map((m) => `${m[1]}/${m[2]}`).sort();

// A cilium render generates RSA-2048 keys inside helm (the CA and each TLS secret's key, as the
// real chart's helm method does): about a second of CPU that a loaded two-core machine can stretch
// past the unit project's 10 s. The work is the chart's own; the timeout says what it costs.
const RENDER_TIMEOUT_MS = 60_000;

describe('the stand-in charts (rendered by the real helm)', { timeout: RENDER_TIMEOUT_MS }, () => {
  it('index both cilium versions and metallb with relative URLs', async () => {
    const index = await readFile(join(dir, 'index.yaml'), 'utf8');
    expect(index).toMatch(/^    - cilium-1\.14\.4\.tgz$/m);
    expect(index).toMatch(/^    version: 1\.16\.5$/m);
    expect(index).toMatch(/^    appVersion: v0\.14\.9$/m);
  });

  it("cilium 1.14.4 renders the seed's values: the 1.14 keys (tunnel, kubeProxyReplacement strict) mapped", async () => {
    const { stdout } = await template('cilium-1.14.4.tgz', '-f', join(dir, 'seed.yaml'));
    expect(kinds(stdout)).toEqual(expect.arrayContaining(['ConfigMap/cilium-config', 'DaemonSet/cilium', 'Deployment/cilium-operator', 'Deployment/hubble-relay', 'Deployment/hubble-ui', 'Secret/cilium-ca', 'Service/hubble-peer']));
    expect(stdout).toContain('routing-mode: "tunnel"');
    expect(stdout).toContain('tunnel-protocol: "vxlan"');
    expect(stdout).toContain('kube-proxy-replacement: "strict"');
    expect(stdout).toContain('cluster-name: "cluster-ayk"');
    expect(stdout).toContain('hubble-metrics: "dns:query;ignoreAAAA drop flow');
    expect(stdout).not.toContain('clustermesh-apiserver');
  });

  it('cilium 1.16.5 refuses the removed 1.14 keys and takes the renamed ones', async () => {
    const refused = await template('cilium-1.16.5.tgz', '-f', join(dir, 'seed.yaml')).then(() => null, (e: { stderr: string }) => e.stderr);
    expect(refused).toContain('tunnel was deprecated in v1.14 and has been removed in v1.15');
    const strict = await template('cilium-1.16.5.tgz', '--set', 'kubeProxyReplacement=strict').then(() => null, (e: { stderr: string }) => e.stderr);
    expect(strict).toContain('kubeProxyReplacement=strict is not supported since v1.15');
    const { stdout } = await template(
      'cilium-1.16.5.tgz',
      ...['routingMode=native', 'kubeProxyReplacement=true', 'cluster.name=c2', 'cluster.id=2', 'clustermesh.useAPIServer=true'].flatMap((v) => ['--set', v]),
    );
    expect(stdout).toContain('routing-mode: "native"');
    expect(stdout).not.toContain('tunnel-protocol');
    expect(stdout).toContain('max-connected-clusters: "255"');
    expect(kinds(stdout)).toEqual(expect.arrayContaining(['Deployment/clustermesh-apiserver', 'Service/clustermesh-apiserver', 'Secret/clustermesh-apiserver-remote-cert']));
  });

  it('a cluster id without a cluster name is refused, as the real chart does', async () => {
    const refused = await template('cilium-1.16.5.tgz', '--set', 'cluster.id=3').then(() => null, (e: { stderr: string }) => e.stderr);
    expect(refused).toContain('cannot use default value with cluster.id != 0');
  });

  it('metallb renders its CRDs, controller and speaker', async () => {
    const { stdout } = await template('metallb-0.14.9.tgz');
    expect(kinds(stdout)).toEqual(
      expect.arrayContaining(['CustomResourceDefinition/ipaddresspools.metallb.io', 'CustomResourceDefinition/l2advertisements.metallb.io', 'Deployment/rel-metallb-controller', 'DaemonSet/rel-metallb-speaker']),
    );
  });
});
