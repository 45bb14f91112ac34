// Seed 004's lab and the seed on it, in one lab (CI starts it once). First the lab as `meshbook lab
// up -i inventories/lab-rke` builds it: one network per cluster, every node published on 127.0.0.1
// (OpenStack's controller reaches the nodes directly), the router the seed's separate networks
// need, the stand-ins reached over HTTPS, and a stopped node resumed with its routes. Then seed 004
// end to end, as a user runs it (`meshbook run playbooks/rke-clustermesh.ts -i <lab-rke>`, no -e):
// check mode on the fresh lab changes nothing; the run brings up two RKE clusters, Cilium and
// MetalLB, ClusterMesh endpoints as LoadBalancers whose addresses the OpenStack ports allow, and
// connects the clusters through those addresses; a second run changes nothing; `--tags verify`
// shows cluster 2's nodes from cluster 1. A copy of the lab with its own ports and subnets.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execInContainer, labStatus, standInUrls, withFreeSubnets } from '@meshbook/fleet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshbook, REPO_ROOT } from '../support/cli.js';

/** This copy's cluster networks, on a third octet no Docker network uses (chosen in beforeAll). */
let CLUSTER1 = '';
let CLUSTER2 = '';
const NODES = ['k8s-cluster1-node-0', 'k8s-cluster1-node-1', 'k8s-cluster1-node-2', 'k8s-cluster2-node-0', 'k8s-cluster2-node-1', 'k8s-cluster2-node-2'];
let dir = '';
let labId = '';
const run = (extra: string[] = []) => meshbook(['run', 'playbooks/rke-clustermesh.ts', '-i', dir, ...extra], { timeoutMs: 1_800_000 });
const recapOf = (stdout: string) => stdout.split('PLAY RECAP')[1] ?? '';

async function sh(host: string, script: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const found = (await labStatus(labId)).find((h) => h.name === host);
  if (!found) throw new Error(`no container for ${host} in lab ${labId}`);
  return execInContainer(found.containerId, ['sh', '-c', script]);
}
const reaches = async (host: string, address: string) => (await sh(host, `ping -c 1 -W 2 ${address}`)).exitCode === 0;

/** The OpenStack double's ports, as Neutron holds them (its state file in the lab's directory). */
async function allowedAddresses(): Promise<Record<string, string[]>> {
  const state = JSON.parse(await readFile(join(dir, '.lab/openstack/openstack.json'), 'utf8')) as { servers: Array<{ id: string; name: string }>; ports: Array<{ device_id: string; allowed_address_pairs: Array<{ ip_address: string }> }> };
  return Object.fromEntries(state.servers.map((s) => [s.name, state.ports.filter((p) => p.device_id === s.id).flatMap((p) => p.allowed_address_pairs.map((a) => a.ip_address)).sort()]));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbook-e2e-rke-'));
  const portBase = 26000 + Math.floor(Math.random() * 300) * 10;
  const lab = await readFile(join(REPO_ROOT, 'inventories/lab-rke/hosts.yaml'), 'utf8');
  const up = await withFreeSubnets({ patterns: ['10.195.X.0/24', '10.194.X.0/24'], octets: [100, 199], start: process.pid }, async (octet) => {
    [CLUSTER1, CLUSTER2] = [`10.195.${octet}.`, `10.194.${octet}.`];
    await writeFile(join(dir, 'hosts.yaml'), lab
      .replace(/\b2230(\d)\b/g, (_m, n: string) => String(portBase + Number(n)))
      .replaceAll('10.197.1.', CLUSTER1)
      .replaceAll('10.197.2.', CLUSTER2)
      .replaceAll('../../.lab/rke/', './.lab/')
      .replaceAll('../../packages/', `${REPO_ROOT}packages/`)
      .replaceAll('rke_cluster_dir: clusters/', `rke_cluster_dir: ${dir}/clusters/`));
    const run = await meshbook(['lab', 'up', '-i', dir], { timeoutMs: 600_000 });
    // Another lab took a subnet since the look: withFreeSubnets tries the next free octet.
    if (run.exitCode !== 0) throw new Error(`meshbook lab up failed (exit ${run.exitCode}):\n${run.stderr}`);
    return run;
  });
  labId = /^lab (lab-[0-9a-f]+) started/m.exec(up.stdout)?.[1] ?? '';
  expect(labId, up.stdout).not.toBe('');
}, 600_000);

afterAll(async () => {
  const down = await meshbook(['lab', 'down', '-i', dir]);
  expect(down.exitCode, down.stderr).toBe(0);
  expect(await labStatus(labId)).toEqual([]);
  await rm(dir, { recursive: true, force: true });
});

describe('meshbook lab up -i inventories/lab-rke', () => {
  it('starts six published nodes, one network per cluster, and a router between them', async () => {
    const status = await labStatus(labId);
    expect(status.map((h) => h.name).sort()).toEqual([...NODES, 'lab-router', 'stand-ins'].sort());
    // the lab's own internet, on both cluster networks
    expect(status.find((h) => h.name === 'stand-ins')).toMatchObject({ role: 'stand-ins', state: 'running', sshPort: null });
    expect(status.find((h) => h.name === 'stand-ins')!.ips.map((ip) => ip.replace(/\d+$/, '')).sort()).toEqual([CLUSTER1, CLUSTER2].sort());
    expect(status.filter((h) => h.sshPort !== null).map((h) => h.name).sort()).toEqual(NODES);
    expect(status.find((h) => h.name === 'k8s-cluster1-node-0')!.ips).toEqual([`${CLUSTER1}165`]);
    expect(status.find((h) => h.name === 'lab-router')!.ips).toEqual([`${CLUSTER2}254`, `${CLUSTER1}254`].sort());
  });

  it('every node answers over SSH with its host key checked', async () => {
    const facts = await meshbook(['facts', '-i', dir]);
    expect(facts.exitCode, facts.stderr).toBe(0);
    const byHost = JSON.parse(facts.stdout) as Record<string, { hostname: string }>;
    expect(Object.keys(byHost).sort()).toEqual(NODES);
    for (const node of NODES) expect(byHost[node]!.hostname).toBe(node);
  });

  it('the clusters reach each other through the router, as the seed requires', async () => {
    expect(await reaches('k8s-cluster1-node-0', `${CLUSTER2}163`)).toBe(true);
    expect(await reaches('k8s-cluster2-node-2', `${CLUSTER1}170`)).toBe(true);
    expect((await sh('k8s-cluster1-node-0', `ip -o route get ${CLUSTER2}163`)).stdout).toContain(`via ${CLUSTER1}254`);
  });

  it("every node reaches the lab's stand-ins by name over HTTPS (the lab CA trusted), on its own network", async () => {
    for (const node of ['k8s-cluster1-node-0', 'k8s-cluster2-node-2']) {
      const chart = await sh(node, `curl -fsS ${standInUrls().metallbCharts}index.yaml`);
      expect(chart.exitCode).toBe(0);
      expect(chart.stdout).toMatch(/^  metallb:$/m);
    }
  });

  // On the fresh lab, before the seed's run: nothing of the seed is on the node yet, and the run then uses the resumed node.
  it('a stopped lab comes back with its routes: lab up resumes it', async () => {
    const node = (await labStatus(labId)).find((h) => h.name === 'k8s-cluster1-node-0')!;
    await new Docker().getContainer(node.containerId).stop();
    const up = await meshbook(['lab', 'up', '-i', dir], { timeoutMs: 300_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`^lab ${labId} resumed`, 'm'));
    expect(await reaches('k8s-cluster1-node-0', `${CLUSTER2}163`)).toBe(true);
    const facts = await meshbook(['facts', '-i', dir, '--limit', 'k8s-cluster1-node-0']);
    expect(facts.exitCode, facts.stderr).toBe(0);
  });
});

describe('seed 004 on inventories/lab-rke', () => {
  it('--check --diff on the fresh lab plans every step and touches nothing', async () => {
    const check = await run(['--check', '--diff']);
    expect(check.exitCode, check.stderr + check.stdout.slice(-4000)).toBe(0);
    expect(check.stdout).toContain('cluster.yml not written yet');
    expect(existsSync(join(dir, 'clusters'))).toBe(false);
    expect((await sh('k8s-cluster1-node-0', 'command -v dockerd helm cilium; grep -c bpf /etc/fstab; ls /root/.kube 2>&1 >/dev/null | wc -l')).stdout.trim()).toBe('0\n1');
    expect(Object.values(await allowedAddresses()).flat()).toEqual([]);
  }, 900_000);

  it('the run ends with both clusters connected through their LoadBalancer endpoints, allowed on every OpenStack port', async () => {
    const first = await run();
    expect(first.exitCode, first.stderr + first.stdout.slice(-6000)).toBe(0);
    for (const cluster of ['cluster1', 'cluster2']) {
      for (const f of ['cluster.yml', 'kube_config_cluster.yml', 'cluster.rkestate']) expect(existsSync(join(dir, 'clusters', cluster, f)), f).toBe(true);
    }
    const node = await sh('k8s-cluster2-node-2', 'systemctl is-active docker kubelet; findmnt -n -o FSTYPE /sys/fs/bpf; id -nG root');
    expect(node.stdout.trim().split('\n')).toEqual(['active', 'active', 'bpf', 'root docker']);

    // the real kubectl the playbook installed on cluster 1's first control-plane node, with the kubeconfig it wrote there
    const lb = await sh('k8s-cluster1-node-0', `for c in cluster1 cluster2; do kubectl --context $c -n kube-system get svc clustermesh-apiserver -o jsonpath='{.spec.type} {.status.loadBalancer.ingress[0].ip}{"\\n"}'; done`);
    expect(lb.exitCode, lb.stderr).toBe(0);
    const [lb1, lb2] = lb.stdout.trim().split('\n').map((l) => l.split(' '));
    expect(lb1![0]).toBe('LoadBalancer');
    expect(lb1![1]).toMatch(new RegExp(`^${CLUSTER1.replaceAll('.', '\\.')}19\\d$`));
    expect(lb2![1]).toMatch(new RegExp(`^${CLUSTER2.replaceAll('.', '\\.')}19\\d$`));
    // 004-09: both endpoints allowed on every node's port
    expect(await allowedAddresses()).toEqual(Object.fromEntries(NODES.map((n) => [n, [lb1![1]!, lb2![1]!].sort()])));
    // 004-10: connected through those endpoints
    const status = await sh('k8s-cluster1-node-0', 'cilium clustermesh status --context cluster1');
    expect(status.stdout).toMatch(/cluster2: 3\/3 configured, 3\/3 connected/);
    const mesh = await sh('k8s-cluster1-node-0', "kubectl --context cluster1 -n kube-system get secret cilium-clustermesh -o jsonpath='{.data.cluster2}' | base64 -d");
    expect(mesh.stdout).toContain(`https://${lb2![1]}:`);
  }, 1_800_000);

  it('a second run changes nothing', async () => {
    const second = await run();
    expect(second.exitCode, second.stderr + second.stdout.slice(-4000)).toBe(0);
    const recap = recapOf(second.stdout);
    expect(recap.match(/ changed=0 /g) ?? [], recap).toHaveLength(6);
    expect(recap).not.toMatch(/ changed=[1-9]/);
  }, 900_000);

  it("--tags verify shows cluster 2's nodes from cluster 1", async () => {
    const verify = await run(['--tags', 'verify']);
    expect(verify.exitCode, verify.stderr + verify.stdout.slice(-4000)).toBe(0);
    const peers = await sh('k8s-cluster1-node-0', 'kubectl --context cluster1 get ciliumnodes -l io.cilium.k8s.policy.cluster=cluster2 -o name');
    expect(peers.stdout.trim().split('\n').sort()).toEqual(['k8s-cluster2-node-0', 'k8s-cluster2-node-1', 'k8s-cluster2-node-2'].map((n) => `ciliumnode.cilium.io/cluster2.${n}`));
  }, 900_000);
});
