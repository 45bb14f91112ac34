import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execInContainer, labStatus, standInUrls } from '@meshbook/fleet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshbook, REPO_ROOT } from '../support/cli.js';

/**
 * Seed 004's lab (inventories/lab-rke) as `meshbook lab up` builds it, on a copy with its own
 * ports and subnets: one network per cluster, every node published on 127.0.0.1 (OpenStack's
 * controller reaches the nodes directly), and the router the seed's separate networks need.
 */
const NODES = ['k8s-cluster1-node-0', 'k8s-cluster1-node-1', 'k8s-cluster1-node-2', 'k8s-cluster2-node-0', 'k8s-cluster2-node-1', 'k8s-cluster2-node-2'];
const octet = 100 + Math.floor(Math.random() * 100);
const CLUSTER1 = `10.197.${octet}.`;
const CLUSTER2 = `10.196.${octet}.`;
let inventoryDir: string;
let labId = '';

async function sh(host: string, script: string): Promise<{ exitCode: number; stdout: string }> {
  const found = (await labStatus(labId)).find((h) => h.name === host);
  if (!found) throw new Error(`no container for ${host} in lab ${labId}`);
  return execInContainer(found.containerId, ['sh', '-c', script]);
}
const reaches = async (host: string, address: string) => (await sh(host, `ping -c 1 -W 2 ${address}`)).exitCode === 0;

beforeAll(async () => {
  inventoryDir = await mkdtemp(join(tmpdir(), 'meshbook-e2e-lab-rke-'));
  const portBase = 27000 + Math.floor(Math.random() * 300) * 10;
  const lab = await readFile(join(REPO_ROOT, 'inventories/lab-rke/hosts.yaml'), 'utf8');
  await writeFile(
    join(inventoryDir, 'hosts.yaml'),
    lab
      .replace(/\b2230(\d)\b/g, (_m, n: string) => String(portBase + Number(n)))
      .replaceAll('10.197.1.', CLUSTER1)
      .replaceAll('10.197.2.', CLUSTER2)
      .replaceAll('../../.lab/rke/', './.lab/'),
  );
  const up = await meshbook(['lab', 'up', '-i', inventoryDir], { timeoutMs: 600_000 });
  expect(up.exitCode, up.stderr).toBe(0);
  labId = /^lab (lab-[0-9a-f]+) started/m.exec(up.stdout)?.[1] ?? '';
  expect(labId, up.stdout).not.toBe('');
}, 600_000);

afterAll(async () => {
  const down = await meshbook(['lab', 'down', '-i', inventoryDir]);
  expect(down.exitCode, down.stderr).toBe(0);
  expect(await labStatus(labId)).toEqual([]);
  await rm(inventoryDir, { recursive: true, force: true });
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
    const run = await meshbook(['facts', '-i', inventoryDir]);
    expect(run.exitCode, run.stderr).toBe(0);
    const facts = JSON.parse(run.stdout) as Record<string, { hostname: string }>;
    expect(Object.keys(facts).sort()).toEqual(NODES);
    for (const node of NODES) expect(facts[node]!.hostname).toBe(node);
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

  it('a stopped lab comes back with its routes: lab up resumes it', async () => {
    const node = (await labStatus(labId)).find((h) => h.name === 'k8s-cluster1-node-0')!;
    await new Docker().getContainer(node.containerId).stop();
    const up = await meshbook(['lab', 'up', '-i', inventoryDir], { timeoutMs: 300_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`^lab ${labId} resumed`, 'm'));
    expect(await reaches('k8s-cluster1-node-0', `${CLUSTER2}163`)).toBe(true);
    const facts = await meshbook(['facts', '-i', inventoryDir, '--limit', 'k8s-cluster1-node-0']);
    expect(facts.exitCode, facts.stderr).toBe(0);
  });
});
