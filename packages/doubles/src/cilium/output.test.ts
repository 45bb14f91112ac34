import { describe, expect, it } from 'vitest';
import { connectivityLines, formatCiliumStatus, statusJson, summarize } from './output.js';

const ok = { ok: true as const };
const refused = { ok: false as const, error: 'dial tcp 10.7.0.4:32379: connect: connection refused' };

describe('clustermesh status output', () => {
  it('reports every node connected as cilium-cli does', () => {
    const c = summarize(
      [
        { agent: 'jin-ayaka-master-1', peers: { 'cluster-kzh': ok }, globalServices: 1 },
        { agent: 'jin-ayaka-worker-1', peers: { 'cluster-kzh': ok }, globalServices: 1 },
      ],
      ['cluster-kzh'],
    );
    expect(connectivityLines(c)).toEqual([
      '',
      '✅ All 2 nodes are connected to all clusters [min:1 / avg:1.0 / max:1]',
      '',
      '🔌 Cluster Connections:',
      '  - cluster-kzh: 2/2 configured, 2/2 connected',
      '',
      '🔀 Global services: [ min:1 / avg:1.0 / max:1 ]',
      '',
    ]);
  });

  it('names the node and the cluster it cannot reach, with the reason', () => {
    const c = summarize([{ agent: 'jin-ayaka-master-1', peers: { 'cluster-kzh': refused }, globalServices: 0 }], ['cluster-kzh']);
    const lines = connectivityLines(c);
    expect(lines).toContain('⚠️  1/1 nodes are not connected to all clusters [min:0 / avg:0.0 / max:0]');
    expect(lines).toContain('  - cluster-kzh: 1/1 configured, 0/1 connected');
    expect(lines).toContain('❌ 1 Errors:');
    expect(lines).toContain(`  ❌ jin-ayaka-master-1 is not connected to cluster cluster-kzh: ${refused.error}`);
  });

  it('says no cluster connected when none is configured', () => {
    const c = summarize([{ agent: 'n1', peers: {}, globalServices: 0 }], []);
    expect(connectivityLines(c)).toContain('🔌 No cluster connected');
    expect(c.notReady).toBe(0);
  });

  it('prints the JSON shape of cilium-cli, zero numbers left out, cluster_id a string, no client key', () => {
    const c = summarize([{ agent: 'n1', peers: { c2: ok }, globalServices: 0 }, { agent: 'n2', peers: { c2: ok }, globalServices: 0 }], ['c2']);
    const text = statusJson({ serviceType: 'NodePort', serviceIps: ['192.0.2.11'], servicePort: 32379, clusterId: '1', clusterName: 'c1', caPem: 'PEM', maxConnectedClusters: 255 }, c);
    expect(JSON.parse(text)).toEqual({
      access_information: { service_type: 'NodePort', service_ips: ['192.0.2.11'], service_port: 32379, cluster_id: '1', cluster_name: 'c1', ca: Buffer.from('PEM').toString('base64'), max_connected_clusters: 255 },
      connectivity: { global_services: {}, connected: { min: 1, avg: 1, max: 1 }, clusters: { c2: { configured: 2, connected: 2 } }, total: 2 },
      kvstoremesh: { enabled: false },
    });
    expect(text).not.toMatch(/client_key|client_cert/);
  });
});

describe('cilium status output', () => {
  it('prints the banner and the workload table', () => {
    const text = formatCiliumStatus({
      cilium: { kind: 'DaemonSet', name: 'cilium', desired: 2, ready: 2, available: 2, image: 'quay.io/cilium/cilium:v1.14.4' },
      operator: { kind: 'Deployment', name: 'cilium-operator', desired: 1, ready: 1, available: 1, image: 'quay.io/cilium/operator-generic:v1.14.4' },
      envoy: undefined,
      hubbleRelay: undefined,
      clustermesh: undefined,
      helmChartVersion: '1.14.4',
      clusterPods: { managed: 0, total: 0 },
      errors: [],
    });
    expect(text.split('\n').slice(0, 7)).toEqual([
      '    /¯¯\\',
      ' /¯¯\\__/¯¯\\    Cilium:             OK',
      ' \\__/¯¯\\__/    Operator:           OK',
      ' /¯¯\\__/¯¯\\    Envoy DaemonSet:    disabled (using embedded mode)',
      ' \\__/¯¯\\__/    Hubble Relay:       disabled',
      '    \\__/       ClusterMesh:        disabled',
      '',
    ]);
    expect(text).toContain('DaemonSet              cilium                   Desired: 2, Ready: 2/2, Available: 2/2');
    expect(text).toContain('Helm chart version:    1.14.4');
  });

  it('counts errors when Cilium is missing', () => {
    const text = formatCiliumStatus({ cilium: undefined, operator: undefined, envoy: undefined, hubbleRelay: undefined, clustermesh: undefined, helmChartVersion: undefined, clusterPods: { managed: 0, total: 0 }, errors: [{ component: 'cilium', name: 'cilium', message: 'daemonsets.apps "cilium" not found' }] });
    expect(text).toContain('Cilium:             1 errors');
    expect(text).toMatch(/Errors:\s+cilium\s+cilium\s+daemonsets.apps "cilium" not found/);
  });
});
