// The cilium and clustermesh-apiserver doubles against two kube-apiserver doubles, judged by the
// real kubectl: enable, connect refused without the shared CA, "not connected" while a cluster's
// certificates still come from its old CA, connected after the CA copy and a second enable, the
// other cluster's nodes and global-service backends visible through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciliumInstalledManifest, rebelBaseManifest, startLoopbackClusters, type LoopbackClusters } from './loopback-clusters.js';

let lab: LoopbackClusters;
let ayk: LoopbackClusters['clusters'][0];
let kzh: LoopbackClusters['clusters'][1];

const json = <T = any>(text: string): T => JSON.parse(text) as T;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

// Every output of the cilium double, for the secret canary at the end.
const outputs: string[] = [];

beforeAll(async () => {
  lab = await startLoopbackClusters();
  const cilium = lab.cilium;
  lab.cilium = async (args) => {
    const r = await cilium(args);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  [ayk, kzh] = lab.clusters;
  const nodes = {
    [ayk.name]: [
      // Listed first, on an address nothing listens on: the access address must still be the
      // master's, where the clustermesh-apiserver double runs (and nothing dials 192.0.2.0/24).
      { name: 'aaa-edge-1', ip: '192.0.2.10', podCIDR: '10.242.9.0/24' },
      { name: 'jin-ayaka-master-1', ip: ayk.address, podCIDR: '10.242.0.0/24' },
      { name: 'jin-ayaka-worker-1', ip: ayk.address, podCIDR: '10.242.1.0/24' },
    ],
    [kzh.name]: [
      { name: 'jin-kazuha-master-1', ip: kzh.address, podCIDR: '10.244.0.0/24' },
      { name: 'jin-kazuha-worker-1', ip: kzh.address, podCIDR: '10.244.1.0/24' },
    ],
  };
  for (const c of lab.clusters) {
    const r = await lab.kubectl(c.context, ['create', '-f', '-'], ciliumInstalledManifest(c, nodes[c.name]!));
    expect(r.stderr).toBe('');
  }
}, 120_000);

afterAll(async () => lab?.destroy());

describe('cilium double against two API server doubles', () => {
  it('cilium status --wait sees the agents ready', async () => {
    const r = await lab.cilium(['status', '--wait', '--wait-duration', '60s', '--context', ayk.context]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Cilium:\s+OK/);
    expect(r.stdout).toContain('DaemonSet              cilium                   Desired: 3, Ready: 3/3, Available: 3/3');
  });

  it('clustermesh status before enable fails as cilium-cli does', async () => {
    const r = await lab.cilium(['clustermesh', 'status', '--context', ayk.context]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: Unable to determine status:  unable to get clustermesh service "clustermesh-apiserver": services "clustermesh-apiserver" not found');
  });

  it('enable creates the objects kubectl sees and starts the clustermesh-apiserver', async () => {
    for (const c of lab.clusters) {
      const r = await lab.cilium(['clustermesh', 'enable', '--context', c.context, '--service-type', 'NodePort']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('✅ ClusterMesh enabled!');
    }
    const svc = json((await lab.kubectl(ayk.context, ['-n', 'kube-system', 'get', 'service', 'clustermesh-apiserver', '-o', 'json'])).stdout);
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.ports[0].nodePort).toBe(32379);
    const secrets = (await lab.kubectl(ayk.context, ['-n', 'kube-system', 'get', 'secrets', '-o', 'name'])).stdout;
    for (const s of ['cilium-ca', 'clustermesh-apiserver-server-cert', 'clustermesh-apiserver-remote-cert', 'clustermesh-apiserver-admin-cert']) expect(secrets).toContain(`secret/${s}`);
    const status = await lab.cilium(['clustermesh', 'status', '--context', ayk.context, '--wait', '--wait-duration', '60s']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`✅ Cluster access information is available:\n  - ${ayk.address}:32379`);
    expect(status.stdout).toContain('🔌 No cluster connected');
  });

  it('a second enable changes nothing', async () => {
    const before = (await lab.kubectl(ayk.context, ['-n', 'kube-system', 'get', 'secrets,services,deployments', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}'])).stdout;
    const r = await lab.cilium(['clustermesh', 'enable', '--context', ayk.context, '--service-type', 'NodePort']);
    expect(r.code).toBe(0);
    const after = (await lab.kubectl(ayk.context, ['-n', 'kube-system', 'get', 'secrets,services,deployments', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}'])).stdout;
    expect(after).toBe(before);
  });

  it('connect is refused while each cluster has its own cilium CA', async () => {
    const r = await lab.cilium(['clustermesh', 'connect', '--context', ayk.context, '--destination-context', kzh.context]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cilium CA certificates do not match between clusters ${ayk.name} and ${kzh.name}. Use --allow-mismatching-ca`);
    expect((await lab.kubectl(ayk.context, ['-n', 'kube-system', 'get', 'secret', 'cilium-clustermesh'])).code).toBe(1);
  });

  it('after the CA copy but before the certificates follow, status says not connected and why', async () => {
    // Seed step 000-19: replace cluster 2's cilium-ca with cluster 1's.
    const ca = json((await lab.kubectl(ayk.context, ['-n', 'kube-system', 'get', 'secret', 'cilium-ca', '-o', 'json'])).stdout);
    const copy = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-ca', namespace: 'kube-system' }, type: ca.type, data: ca.data };
    expect((await lab.kubectl(kzh.context, ['-n', 'kube-system', 'delete', 'secret', 'cilium-ca'])).code).toBe(0);
    expect((await lab.kubectl(kzh.context, ['create', '-f', '-'], JSON.stringify(copy))).code).toBe(0);
    const connect = await lab.cilium(['clustermesh', 'connect', '--context', ayk.context, '--destination-context', kzh.context]);
    expect(connect.stderr).toBe('');
    expect(connect.stdout).toContain(`✅ Connected cluster ${ayk.name} <=> ${kzh.name}!`);
    const status = await lab.cilium(['clustermesh', 'status', '--context', ayk.context]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`  - ${kzh.name}: 3/3 configured, 0/3 connected`);
    expect(status.stdout).toMatch(new RegExp(`❌ jin-ayaka-master-1 is not connected to cluster ${kzh.name}: .*(unknown authority|refused our client certificate|connection reset)`));
    const waited = await lab.cilium(['clustermesh', 'status', '--context', ayk.context, '--wait', '--wait-duration', '3s']);
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain('Unable to determine status:  timeout while waiting for condition, last error: 3 nodes are not ready');
  });

  it('enable refuses a cilium-ca whose key does not belong to its certificate, naming the fix', async () => {
    const ca = json((await lab.kubectl(kzh.context, ['-n', 'kube-system', 'get', 'secret', 'cilium-ca', '-o', 'json'])).stdout);
    const other = json((await lab.kubectl(kzh.context, ['-n', 'kube-system', 'get', 'secret', 'clustermesh-apiserver-admin-cert', '-o', 'json'])).stdout);
    const patch = JSON.stringify({ data: { 'ca.key': other.data['tls.key'] } });
    expect((await lab.kubectl(kzh.context, ['-n', 'kube-system', 'patch', 'secret', 'cilium-ca', '--type', 'merge', '-p', patch])).code).toBe(0);
    try {
      const r = await lab.cilium(['clustermesh', 'enable', '--context', kzh.context, '--service-type', 'NodePort']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Error: secret "cilium-ca" in namespace kube-system: ca.key does not belong to ca.crt');
    } finally {
      const restore = JSON.stringify({ data: { 'ca.key': ca.data['ca.key'] } });
      expect((await lab.kubectl(kzh.context, ['-n', 'kube-system', 'patch', 'secret', 'cilium-ca', '--type', 'merge', '-p', restore])).code).toBe(0);
    }
  });

  it('enable again on cluster 2 re-issues its certificates from the shared CA: connected', async () => {
    const r = await lab.cilium(['clustermesh', 'enable', '--context', kzh.context, '--service-type', 'NodePort']);
    expect(r.code).toBe(0);
    for (const c of lab.clusters) {
      const s = await lab.cilium(['clustermesh', 'status', '--context', c.context, '--wait', '--wait-duration', '60s']);
      const logs = lab.clusters.map((x) => `--- ${x.name} clustermesh-apiserver log\n${lab.daemonLog(x.name)}`).join('\n');
      expect(s.stderr, `${s.stdout}\n${logs}`).toBe('');
      expect(s.code).toBe(0);
      const n = c === ayk ? 3 : 2;
      expect(s.stdout).toContain(`✅ All ${n} nodes are connected to all clusters [min:1 / avg:1.0 / max:1]`);
      expect(s.stdout).toContain(`  - ${(c === ayk ? kzh : ayk).name}: ${n}/${n} configured, ${n}/${n} connected`);
    }
    const j = await lab.cilium(['clustermesh', 'status', '--context', ayk.context, '-o', 'json']);
    const parsed = json(j.stdout);
    expect(parsed.access_information).toMatchObject({ service_type: 'NodePort', service_ips: [ayk.address], service_port: 32379, cluster_id: '1', cluster_name: ayk.name });
    expect(parsed.connectivity.clusters[kzh.name]).toEqual({ configured: 3, connected: 3 });
    expect(j.stdout).not.toMatch(/PRIVATE KEY|client_key/);
  });

  it("each cluster's API lists the other cluster's nodes", async () => {
    const names = await until('cluster-kzh nodes in cluster-ayk', async () => {
      const r = await lab.kubectl(ayk.context, ['get', 'ciliumnodes', '-l', `io.cilium.k8s.policy.cluster=${kzh.name}`, '-o', 'name']);
      return r.code === 0 && r.stdout.includes('jin-kazuha-worker-1') ? r.stdout.trim().split('\n').sort() : undefined;
    });
    expect(names).toEqual(['ciliumnode.cilium.io/cluster-kzh.jin-kazuha-master-1', 'ciliumnode.cilium.io/cluster-kzh.jin-kazuha-worker-1']);
    const back = await until('cluster-ayk nodes in cluster-kzh', async () => {
      const r = await lab.kubectl(kzh.context, ['get', 'ciliumnodes', '-o', 'name']);
      return r.stdout.includes('cluster-ayk.jin-ayaka-master-1') ? r.stdout : undefined;
    });
    expect(back).toContain('ciliumnode.cilium.io/jin-kazuha-master-1');
  });

  it('a global service lists backends of both clusters, and only the other after scaling to 0', async () => {
    for (const c of lab.clusters) expect((await lab.kubectl(c.context, ['apply', '-f', '-'], rebelBaseManifest(2))).code).toBe(0);
    const backends = async (c: typeof ayk) => {
      const r = await lab.kubectl(c.context, ['get', 'endpointslices', '-l', 'kubernetes.io/service-name=rebel-base', '-o', 'json']);
      const out: Record<string, number> = {};
      for (const s of json(r.stdout).items) out[s.metadata.labels['io.cilium.k8s.policy.cluster']] = (s.endpoints ?? []).length;
      return out;
    };
    await until('backends of both clusters', async () => {
      const b = await backends(ayk);
      return b[ayk.name] === 2 && b[kzh.name] === 2 ? b : undefined;
    });
    expect((await lab.kubectl(ayk.context, ['scale', 'deployment', 'rebel-base', '--replicas', '0'])).code).toBe(0);
    const after = await until('cluster-ayk backends gone', async () => {
      const b = await backends(kzh);
      return b[ayk.name] === 0 && b[kzh.name] === 2 ? b : undefined;
    });
    expect(after).toEqual({ [ayk.name]: 0, [kzh.name]: 2 });
  });

  it('imported objects are not rewritten while nothing changes', async () => {
    const versions = async () => (await lab.kubectl(ayk.context, ['get', 'ciliumnodes,endpointslices', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}'])).stdout;
    // The scale to 0 above has reached cluster-ayk's own slice: waited for, not a fixed pause.
    await until("cluster-ayk's own slice emptied", async () => {
      const r = await lab.kubectl(ayk.context, ['get', 'endpointslices', '-l', `kubernetes.io/service-name=rebel-base,io.cilium.k8s.policy.cluster=${ayk.name}`, '-o', 'json']);
      const slices = json(r.stdout).items as Array<{ endpoints?: unknown[] }>;
      return r.code === 0 && slices.length > 0 && slices.every((s) => (s.endpoints ?? []).length === 0) ? true : undefined;
    });
    const before = await versions();
    await new Promise((r) => setTimeout(r, 7000)); // two sync rounds of the clustermesh-apiserver
    expect(await versions()).toBe(before);
  });

  it('connectivity test passes across the mesh', async () => {
    const r = await lab.cilium(['connectivity', 'test', '--context', ayk.context, '--multi-cluster', kzh.context]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✅ \[cilium-test-1\] All \d+ tests \(\d+ actions\) successful/);
    const one = await lab.cilium(['connectivity', 'test', '--context', ayk.context, '--multi-cluster', kzh.context, '--test', 'clustermesh-peer']);
    expect(one.stdout).toContain('🏃[cilium-test-1] Running 1 tests ...');
    expect(one.stdout).toContain('All 1 tests (2 actions) successful, 4 tests skipped');
  });

  it('an endpoint named <peer>.mesh.cilium.io resolves through the agents\' hostAliases, as the chart configures it', async () => {
    const secret = json((await lab.kubectl(ayk.context, ['-n', 'kube-system', 'get', 'secret', 'cilium-clustermesh', '-o', 'json'])).stdout);
    const original = secret.data[kzh.name];
    const byName = Buffer.from(Buffer.from(original, 'base64').toString().replace(/https:\/\/[^:]+:/, `https://${kzh.name}.mesh.cilium.io:`)).toString('base64');
    const setEntry = (value: string) => lab.kubectl(ayk.context, ['-n', 'kube-system', 'patch', 'secret', 'cilium-clustermesh', '--type', 'merge', '-p', JSON.stringify({ data: { [kzh.name]: value } })]);
    try {
      expect((await setEntry(byName)).code).toBe(0);
      const unresolved = await lab.cilium(['clustermesh', 'status', '--context', ayk.context]);
      expect(unresolved.stdout).toContain(`is not connected to cluster ${kzh.name}: dial tcp: lookup ${kzh.name}.mesh.cilium.io`);
      const aliases = { spec: { template: { spec: { hostAliases: [{ ip: kzh.address, hostnames: [`${kzh.name}.mesh.cilium.io`] }] } } } };
      expect((await lab.kubectl(ayk.context, ['-n', 'kube-system', 'patch', 'daemonset', 'cilium', '--type', 'merge', '-p', JSON.stringify(aliases)])).code).toBe(0);
      const resolved = await lab.cilium(['clustermesh', 'status', '--context', ayk.context, '--wait', '--wait-duration', '30s']);
      expect(resolved.code, resolved.stdout + resolved.stderr).toBe(0);
      expect(resolved.stdout).toContain(`  - ${kzh.name}: 3/3 configured, 3/3 connected`);
    } finally {
      await setEntry(original);
    }
  });

  it('disconnect removes the peers, and status says no cluster connected', async () => {
    const r = await lab.cilium(['clustermesh', 'disconnect', '--context', ayk.context, '--destination-context', kzh.context]);
    expect(r.code).toBe(0);
    const s = await lab.cilium(['clustermesh', 'status', '--context', kzh.context]);
    expect(s.stdout).toContain('🔌 No cluster connected');
  });

  it('no private key ever reached the output', async () => {
    const keys = [];
    for (const c of lab.clusters) {
      for (const name of ['cilium-ca', 'clustermesh-apiserver-remote-cert', 'clustermesh-apiserver-server-cert']) {
        const data = json((await lab.kubectl(c.context, ['-n', 'kube-system', 'get', 'secret', name, '-o', 'json'])).stdout).data;
        keys.push(data['ca.key'] ?? data['tls.key']);
      }
    }
    const all = outputs.join('\n');
    expect(outputs.length).toBeGreaterThan(20);
    expect(all).not.toContain('PRIVATE KEY');
    for (const k of keys) {
      expect(all).not.toContain(k);
      expect(all).not.toContain(Buffer.from(k, 'base64').toString().split('\n')[1]);
    }
  });
});
