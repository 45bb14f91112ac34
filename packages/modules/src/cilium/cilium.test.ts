import { describe, expect, it } from 'vitest';
import { ciliumCli } from './cli-install.js';
import { parseClustermeshStatus, type ClustermeshState } from './cilium-cli.js';
import { ciliumClustermesh, ciliumClustermeshConnect } from './clustermesh.js';

const target = { kubeconfig: '/root/.kube/config', context: 'kubernetes-admin-ayk@cluster-ayk' };
const enabled = (json: object): ClustermeshState => parseClustermeshStatus({ exitCode: 0, stdout: JSON.stringify(json), stderr: '' });

describe('clustermesh status as cilium-cli prints it', () => {
  it('not enabled: the clustermesh-apiserver service is missing', () => {
    expect(parseClustermeshStatus({ exitCode: 1, stdout: '', stderr: '\nError: Unable to determine status:  unable to get clustermesh service "clustermesh-apiserver": services "clustermesh-apiserver" not found\n' })).toEqual({ state: 'disabled' });
  });
  it('no cilium-cli, no API: not answerable yet, with the reason', () => {
    expect(parseClustermeshStatus({ exitCode: 127, stdout: '', stderr: 'sh: cilium: not found' })).toEqual({ state: 'unavailable', reason: 'cilium-cli is not installed' });
    expect(parseClustermeshStatus({ exitCode: 1, stdout: '', stderr: '\nError: unable to create Kubernetes client: no kubeconfig\n' })).toMatchObject({ state: 'unavailable' });
  });
  it('a usage text instead of JSON is not taken for a status', () => {
    expect(parseClustermeshStatus({ exitCode: 0, stdout: 'Usage:\n  cilium [command]\n', stderr: '' })).toMatchObject({ state: 'unavailable' });
  });
});

describe('ciliumClustermesh (enable)', () => {
  const plan = (state: ClustermeshState, serviceType: 'NodePort' | 'LoadBalancer' = 'NodePort') => ciliumClustermesh.definition.plan(state, ciliumClustermesh.parse({ ...target, serviceType }));
  it('enables when not enabled, and says why when cilium is not there yet', () => {
    expect(plan({ state: 'disabled' }).map((c) => c.summary)).toEqual(['cilium clustermesh enable --service-type NodePort']);
    expect(plan({ state: 'unavailable', reason: 'cilium-cli is not installed' })[0]!.summary).toContain('(cilium-cli is not installed yet)');
  });
  it('nothing when enabled with that service type; the type changed when another', () => {
    const status = enabled({ access_information: { service_type: 'NodePort', service_ips: ['10.20.31.11'], service_port: 32379 } });
    expect(plan(status)).toEqual([]);
    expect(plan(status, 'LoadBalancer').map((c) => c.summary)).toEqual(['clustermesh-apiserver service NodePort → LoadBalancer']);
  });
  it('refuses a service type cilium-cli rejects', () => {
    expect(() => ciliumClustermesh.parse({ ...target, serviceType: 'ClusterIP' })).toThrow(/serviceType/);
  });
});

describe('ciliumClustermeshConnect', () => {
  const params = ciliumClustermeshConnect.parse({ ...target, destinationContext: 'kubernetes-admin-kzh@cluster-kzh', destinationCluster: 'cluster-kzh', sourceEndpoint: '10.7.0.4:32379', destinationEndpoint: '10.7.0.2:32379' });
  const plan = (state: ClustermeshState) => ciliumClustermeshConnect.definition.plan(state, params);
  it('connects when the peer is not configured; the endpoints travel in the payload', () => {
    const [change] = plan(enabled({ connectivity: { clusters: {} } }));
    expect(change!.payload).toEqual({ destinationContext: 'kubernetes-admin-kzh@cluster-kzh', sourceEndpoint: '10.7.0.4:32379', destinationEndpoint: '10.7.0.2:32379' });
  });
  it('nothing once the peer is configured (connected or not: status --wait judges that)', () => {
    expect(plan(enabled({ connectivity: { clusters: { 'cluster-kzh': { configured: 2, connected: 2 } }, total: 2 } }))).toEqual([]);
    expect(plan(enabled({ connectivity: { clusters: { 'cluster-kzh': { configured: 2 } }, total: 2 } }))).toEqual([]);
  });
  it('refuses a cluster name Cilium would refuse', () => {
    expect(() => ciliumClustermeshConnect.parse({ ...target, destinationContext: 'x', destinationCluster: 'a'.repeat(33) })).toThrow(/destinationCluster/);
  });
});

describe('ciliumCli', () => {
  const params = ciliumCli.parse({ stableUrl: 'https://raw.githubusercontent.com/cilium/cilium-cli/main/stable.txt' });
  it('installs the stable release with its checksum file when another or none is installed', () => {
    const [change] = ciliumCli.definition.plan({ installed: null, wanted: 'v0.16.22', arch: 'amd64' }, params);
    expect(change!.payload).toMatchObject({
      version: 'v0.16.22',
      tarball: 'https://github.com/cilium/cilium-cli/releases/download/v0.16.22/cilium-linux-amd64.tar.gz',
      checksum: 'https://github.com/cilium/cilium-cli/releases/download/v0.16.22/cilium-linux-amd64.tar.gz.sha256sum',
      binDir: '/usr/local/bin',
    });
    expect(ciliumCli.definition.plan({ installed: 'v0.16.20', wanted: 'v0.16.22', arch: 'arm64' }, params)[0]!.summary).toBe('cilium-cli v0.16.20 → v0.16.22');
  });
  it('nothing when the wanted version is installed', () => {
    expect(ciliumCli.definition.plan({ installed: 'v0.16.22', wanted: 'v0.16.22', arch: 'amd64' }, params)).toEqual([]);
  });
  it('needs a version or where to read it', () => {
    expect(() => ciliumCli.parse({})).toThrow(/version/);
  });
});
