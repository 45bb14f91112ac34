// Seed 004's way: the ClusterMesh endpoint as a LoadBalancer Service. The address comes from the
// API server double's MetalLB stand-in; without a pool the Service stays pending and status says
// it cannot find the access address, as cilium-cli does; with one, the clusters connect through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciliumInstalledManifest, startLoopbackClusters, type LoopbackClusters } from './loopback-clusters.js';
import { metallbIpAddressPoolCrd } from '../support/metallb.js';

let lab: LoopbackClusters;

const metallbCrd = metallbIpAddressPoolCrd;
const pool = (address: string) => ({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'clustermesh', namespace: 'metallb-system' }, spec: { addresses: [`${address}/32`] } });

beforeAll(async () => {
  lab = await startLoopbackClusters();
  for (const c of lab.clusters) {
    const r = await lab.kubectl(c.context, ['create', '-f', '-'], ciliumInstalledManifest(c, [{ name: `${c.name}-node-1`, ip: c.address, podCIDR: c.id === 1 ? '10.42.0.0/24' : '10.44.0.0/24' }]));
    expect(r.stderr).toBe('');
  }
}, 120_000);
afterAll(async () => lab?.destroy());

describe('clustermesh enable --service-type LoadBalancer', () => {
  it('stays pending without an address pool, and status says so', async () => {
    const [ayk] = lab.clusters;
    const r = await lab.cilium(['clustermesh', 'enable', '--context', ayk.context, '--service-type', 'LoadBalancer']);
    expect(r.code, r.stderr).toBe(0);
    const svc = JSON.parse((await lab.kubectl(ayk.context, ['-n', 'kube-system', 'get', 'svc', 'clustermesh-apiserver', '-o', 'json'])).stdout);
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.status?.loadBalancer?.ingress).toBeUndefined();
    const s = await lab.cilium(['clustermesh', 'status', '--context', ayk.context, '--wait', '--wait-duration', '3s']);
    expect(s.code).toBe(1);
    expect(s.stdout).toContain('⌛ Waiting (0s) for access information: unable to derive service IPs automatically');
    expect(s.stderr).toContain('Error: Unable to determine status:  timeout while waiting for condition, last error: unable to derive service IPs automatically');
  });

  it('gets its address from the pool, and the clusters connect through it', async () => {
    const [ayk, kzh] = lab.clusters;
    for (const c of lab.clusters) {
      expect((await lab.kubectl(c.context, ['create', '-f', '-'], JSON.stringify(metallbCrd))).code).toBe(0);
      expect((await lab.kubectl(c.context, ['create', 'namespace', 'metallb-system'])).code).toBe(0);
    }
    for (const c of lab.clusters) {
      // The CRD needs a moment to be served; retry the pool until it is.
      for (let i = 0; ; i++) {
        const r = await lab.kubectl(c.context, ['create', '-f', '-'], JSON.stringify(pool(c.address)));
        if (r.code === 0) break;
        if (i > 20) throw new Error(r.stderr);
        await new Promise((res) => setTimeout(res, 250));
      }
    }
    const s1 = await lab.cilium(['clustermesh', 'status', '--context', ayk.context, '--wait', '--wait-duration', '30s']);
    expect(s1.code, s1.stderr).toBe(0);
    expect(s1.stdout).toContain('✅ Service "clustermesh-apiserver" of type "LoadBalancer" found');
    expect(s1.stdout).toContain(`  - ${ayk.address}:2379`);
    expect(s1.stdout).not.toContain('NodePort detected');

    // Seed order: the CA of cluster 1 into cluster 2 before enabling ClusterMesh there.
    const ca = JSON.parse((await lab.kubectl(ayk.context, ['-n', 'kube-system', 'get', 'secret', 'cilium-ca', '-o', 'json'])).stdout);
    expect((await lab.kubectl(kzh.context, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cilium-ca', namespace: 'kube-system' }, type: ca.type, data: ca.data }))).code).toBe(0);
    const e2 = await lab.cilium(['clustermesh', 'enable', '--context', kzh.context, '--service-type', 'LoadBalancer']);
    expect(e2.stdout).toContain('🔑 Found existing CA in secret cilium-ca');
    const connect = await lab.cilium(['clustermesh', 'connect', '--context', ayk.context, '--destination-context', kzh.context]);
    expect(connect.code, connect.stderr).toBe(0);
    expect(connect.stdout).toContain(`ℹ️  Found ClusterMesh service IPs: [${kzh.address}]`);
    const s = await lab.cilium(['clustermesh', 'status', '--context', kzh.context, '--wait', '--wait-duration', '60s', '-o', 'json']);
    expect(s.code, s.stderr).toBe(0);
    const j = JSON.parse(s.stdout);
    expect(j.access_information).toMatchObject({ service_type: 'LoadBalancer', service_ips: [kzh.address], service_port: 2379, cluster_id: '2' });
    expect(j.connectivity.clusters[ayk.name]).toEqual({ configured: 1, connected: 1 });
  });
});
