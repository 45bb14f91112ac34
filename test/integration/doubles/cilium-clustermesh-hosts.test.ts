// The cilium double on two fleet hosts that are real kubeadm-double masters, as in seed 000: the
// clustermesh-apiserver runs as a systemd unit on each master, the clusters meet over the hosts'
// network with mutual TLS, and a cut network shows as "not connected" until it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecResult } from '@meshbook/fleet';
import { useFleet } from '../support/fleet.js';
import { installDoubles, stageDoubles } from '../support/doubles.js';
import { installCilium } from '../support/cilium.js';
import { ciliumInstalledManifest } from './loopback-clusters.js';

const fleet = useFleet({ hosts: ['ayk-master', 'kzh-master'] });
const clusters = [
  { host: 'ayk-master', name: 'cluster-ayk', id: 1, user: 'kubernetes-admin-ayk', podSubnet: '10.242.0.0/16' },
  { host: 'kzh-master', name: 'cluster-kzh', id: 2, user: 'kubernetes-admin-kzh', podSubnet: '10.244.0.0/16' },
] as const;
const context = (c: (typeof clusters)[number]) => `${c.user}@${c.name}`;
let cleanup = () => {};

const sh = (host: string, script: string, stdin?: string): Promise<ExecResult> => fleet().exec(host, ['sh', '-c', script], stdin === undefined ? {} : { stdin });

beforeAll(async () => {
  const staged = await stageDoubles();
  cleanup = staged.cleanup;
  for (const c of clusters) {
    await installDoubles(fleet(), c.host, staged.tarball);
    await installCilium(fleet(), [c.host]);
    const ip = fleet().host(c.host).ip;
    const config = `apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${ip}
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
clusterName: ${c.name}
controlPlaneEndpoint: ${c.host}:6443
networking:
  podSubnet: ${c.podSubnet}
`;
    const init = await sh(c.host, `cat > /root/kubeadm-init.yaml && kubeadm init --config /root/kubeadm-init.yaml --skip-phases=addon/kube-proxy`, config);
    expect(init.exitCode, init.stderr).toBe(0);
    // Seed: a per-cluster admin user, so both clusters' contexts can live in one kubeconfig.
    const user = await sh(c.host, `mkdir -p /root/.kube && kubeadm kubeconfig user --config /root/kubeadm-init.yaml --client-name=${c.user} --org=system:masters > /root/.kube/config-${c.name}`);
    expect(user.exitCode, user.stderr).toBe(0);
  }
  // Each master gets the other's kubeconfig and resolves the other's name (seed: /etc/hosts).
  for (const c of clusters) {
    const other = clusters.find((o) => o !== c)!;
    const text = (await sh(other.host, `cat /root/.kube/config-${other.name}`)).stdout;
    await sh(c.host, `cat > /root/.kube/config-${other.name}`, text);
    await sh(c.host, `echo '${fleet().host(other.host).ip} ${other.host}' >> /etc/hosts`);
    await sh(c.host, `cat /root/.kube/config-${c.name} > /root/.kube/config && printf 'export KUBECONFIG=/root/.kube/config:/root/.kube/config-${other.name}\\n' > /root/.kube/env`);
    const nodeName = (await sh(c.host, 'kubectl --kubeconfig /root/.kube/config get nodes -o name')).stdout.trim().replace('node/', '');
    const manifest = ciliumInstalledManifest({ name: c.name, id: c.id } as never, []);
    const created = await sh(c.host, 'kubectl --kubeconfig /root/.kube/config create -f -', manifest);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(nodeName).toBe(c.host);
  }
}, 600_000);
afterAll(() => cleanup());

const cilium = (c: (typeof clusters)[number], args: string) => sh(c.host, `. /root/.kube/env && cilium ${args}`);
const [ayk, kzh] = clusters;

describe('cilium double on kubeadm-double masters', () => {
  it('the contexts of both clusters work from each master', async () => {
    const r = await sh(ayk.host, `. /root/.kube/env && kubectl config get-contexts -o name`);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([context(ayk), context(kzh)]);
  });

  it('enable runs the clustermesh-apiserver as a systemd unit on each master', async () => {
    for (const c of clusters) {
      const r = await cilium(c, `clustermesh enable --context ${context(c)} --service-type NodePort`);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect((await sh(c.host, `systemctl is-active clustermesh-apiserver@${c.name}`)).stdout.trim()).toBe('active');
      expect((await sh(c.host, `stat -c %a /etc/clustermesh-apiserver/${c.name}/config.json`)).stdout.trim()).toBe('600');
    }
    const s = await cilium(ayk, `clustermesh status --context ${context(ayk)} --wait --wait-duration 60s`);
    expect(s.exitCode, s.stderr).toBe(0);
    expect(s.stdout).toContain(`  - ${fleet().host(ayk.host).ip}:32379`);
  });

  it('a second enable leaves the running daemon alone', async () => {
    const pid = async () => (await sh(ayk.host, `systemctl show -p MainPID --value clustermesh-apiserver@${ayk.name}`)).stdout.trim();
    const before = await pid();
    expect((await cilium(ayk, `clustermesh enable --context ${context(ayk)} --service-type NodePort`)).exitCode).toBe(0);
    expect(await pid()).toBe(before);
  });

  it('with the CA copied and certificates re-issued, the clusters connect across the network', async () => {
    const copy = await sh(
      ayk.host,
      `. /root/.kube/env && kubectl --context ${context(kzh)} -n kube-system delete secret cilium-ca && kubectl --context ${context(ayk)} -n kube-system get secret cilium-ca -o yaml | kubectl --context ${context(kzh)} create -f -`,
    );
    expect(copy.exitCode, copy.stderr).toBe(0);
    expect((await cilium(kzh, `clustermesh enable --context ${context(kzh)} --service-type NodePort`)).exitCode).toBe(0);
    const connect = await cilium(ayk, `clustermesh connect --context ${context(ayk)} --destination-context ${context(kzh)}`);
    expect(connect.stderr).toBe('');
    expect(connect.exitCode).toBe(0);
    for (const c of clusters) {
      const s = await cilium(c, `clustermesh status --context ${context(c)} --wait --wait-duration 60s`);
      expect(s.exitCode, s.stdout + s.stderr).toBe(0);
      expect(s.stdout).toContain('✅ All 1 nodes are connected to all clusters [min:1 / avg:1.0 / max:1]');
    }
    const nodes = await sh(ayk.host, `for i in $(seq 30); do kubectl get ciliumnodes -o name | grep -q ${kzh.name}.${kzh.host} && break; sleep 1; done; kubectl get ciliumnodes -o name`);
    expect(nodes.stdout).toContain(`ciliumnode.cilium.io/${kzh.name}.${kzh.host}`);
  });

  it('a cut network between the masters shows as not connected, and connected again once it is back', async () => {
    await fleet().disconnect(kzh.host);
    try {
      const s = await cilium(ayk, `clustermesh status --context ${context(ayk)}`);
      expect(s.stdout).toContain(`  - ${kzh.name}: 1/1 configured, 0/1 connected`);
      expect(s.stdout).toMatch(new RegExp(`❌ ${ayk.host} is not connected to cluster ${kzh.name}: .*(timeout|no route|unreachable)`));
    } finally {
      await fleet().reconnect(kzh.host);
    }
    const back = await cilium(ayk, `clustermesh status --context ${context(ayk)} --wait --wait-duration 60s`);
    expect(back.exitCode, back.stdout + back.stderr).toBe(0);
  });
});
