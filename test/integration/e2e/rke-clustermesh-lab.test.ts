// Seed 004 on its lab, as far as the playbook is written (004-02..004-05): check mode on the fresh
// lab changes nothing, the run brings up two RKE clusters whose nodes the real kubectl sees, and a
// second run changes nothing. Lab copy with its own ports and subnets, as lab-rke.test.ts does.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execInContainer, kubeClients, labStatus } from '@meshbook/fleet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshbook, REPO_ROOT } from '../support/cli.js';

const octet = 100 + Math.floor(Math.random() * 100);
let dir = '';
let labId = '';
const RKE = join(REPO_ROOT, 'packages/doubles/dist/bin/rke.cjs');
const run = (extra: string[] = []) => meshbook(['run', 'playbooks/rke-clustermesh.ts', '-i', dir, '-e', `rke_binary=${RKE}`, ...extra], { timeoutMs: 900_000 });

async function sh(host: string, script: string): Promise<{ exitCode: number; stdout: string }> {
  const found = (await labStatus(labId)).find((h) => h.name === host);
  if (!found) throw new Error(`no container for ${host} in lab ${labId}`);
  return execInContainer(found.containerId, ['sh', '-c', script]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbook-e2e-rke-'));
  const portBase = 26000 + Math.floor(Math.random() * 300) * 10;
  const lab = await readFile(join(REPO_ROOT, 'inventories/lab-rke/hosts.yaml'), 'utf8');
  await writeFile(join(dir, 'hosts.yaml'), lab
    .replace(/\b2230(\d)\b/g, (_m, n: string) => String(portBase + Number(n)))
    .replaceAll('10.197.1.', `10.195.${octet}.`)
    .replaceAll('10.197.2.', `10.194.${octet}.`)
    .replaceAll('../../.lab/rke/', `${dir}/.lab/`)
    .replaceAll('rke_cluster_dir: clusters/', `rke_cluster_dir: ${dir}/clusters/`));
  const up = await meshbook(['lab', 'up', '-i', dir], { timeoutMs: 600_000 });
  expect(up.exitCode, up.stderr).toBe(0);
  labId = /^lab (lab-[0-9a-f]+) started/m.exec(up.stdout)?.[1] ?? '';
}, 600_000);

afterAll(async () => {
  const down = await meshbook(['lab', 'down', '-i', dir]);
  expect(down.exitCode, down.stderr).toBe(0);
  await rm(dir, { recursive: true, force: true });
});

describe('seed 004 on inventories/lab-rke', () => {
  it('--check --diff on the fresh lab plans every step and touches nothing', async () => {
    const check = await run(['--check', '--diff']);
    expect(check.exitCode, check.stderr + check.stdout).toBe(0);
    expect(check.stdout).toContain('cluster.yml not written yet');
    expect(existsSync(join(dir, 'clusters'))).toBe(false);
    expect((await sh('k8s-cluster1-node-0', 'command -v dockerd; grep -c bpf /etc/fstab')).stdout.trim()).toBe('0');
  }, 600_000);

  it('brings up both RKE clusters: Docker, bpffs, cluster.yml and rke up per cluster', async () => {
    const first = await run();
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    for (const cluster of ['cluster1', 'cluster2']) {
      for (const f of ['cluster.yml', 'kube_config_cluster.yml', 'cluster.rkestate']) expect(existsSync(join(dir, 'clusters', cluster, f)), f).toBe(true);
    }
    const node = await sh('k8s-cluster2-node-0', 'systemctl is-active docker kubelet; findmnt -n -o FSTYPE /sys/fs/bpf; id -nG root');
    expect(node.stdout.trim().split('\n')).toEqual(['active', 'active', 'bpf', 'root docker']);
    // the real kubectl with rke's kubeconfig, on the node whose 127.0.0.1:6443 is the API server
    const found = (await labStatus(labId)).find((h) => h.name === 'k8s-cluster2-node-0')!;
    const { default: Docker } = await import('dockerode');
    const { execFileSync } = await import('node:child_process');
    const stage = join(dir, 'stage');
    execFileSync('sh', ['-c', `mkdir -p "${stage}/root" && cp "$1" "${stage}/root/kubectl" && cp "$2" "${stage}/root/kc" && tar -C "${stage}" -cf "${stage}.tar" root`, 'sh', (await kubeClients()).kubectl, join(dir, 'clusters/cluster2/kube_config_cluster.yml')]);
    await new Docker().getContainer(found.containerId).putArchive(await readFile(`${stage}.tar`), { path: '/' });
    const nodes = await sh('k8s-cluster2-node-0', '/root/kubectl --kubeconfig /root/kc wait --for=condition=Ready node --all --timeout=60s');
    expect(nodes.stdout.trim().split('\n').sort()).toEqual(['k8s-cluster2-node-0', 'k8s-cluster2-node-1', 'k8s-cluster2-node-2'].map((n) => `node/${n} condition met`));
  }, 900_000);

  it('a second run changes nothing', async () => {
    const second = await run();
    expect(second.exitCode, second.stderr).toBe(0);
    const recap = second.stdout.split('PLAY RECAP')[1] ?? '';
    expect(recap.match(/ changed=0 /g) ?? [], recap).toHaveLength(6);
    expect(recap).not.toMatch(/ changed=[1-9]/);
  }, 600_000);
});
