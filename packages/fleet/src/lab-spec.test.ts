import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory } from '@meshbook/engine';
import { labPlanFrom } from './lab-spec.js';

const inventory = (name: string) => loadInventory(fileURLToPath(new URL(`../../../inventories/${name}`, import.meta.url)));
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A two-network lab: a bastion on both, a node behind it; `edit` rewrites the YAML. */
async function smallLab(edit: (yaml: string) => string = (y) => y): Promise<ReturnType<typeof labPlanFrom>> {
  const dir = await mkdtemp(join(tmpdir(), 'meshbook-lab-spec-'));
  dirs.push(dir);
  const yaml = `all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: .lab/id_ed25519
    meshbook_known_hosts_file: .lab/known_hosts
    lab_networks: { public: 198.18.7.0/24, inside: 10.99.7.0/24 }
  hosts:
    gate:
      ansible_host: 127.0.0.1
      ansible_port: 22900
      public_ip: 198.18.7.10
      lab_addresses: [10.99.7.2]
    node:
      ansible_host: 10.99.7.11
      upstream_ip: 10.99.7.11
      ansible_ssh_common_args: -o ProxyJump=root@127.0.0.1:22900
`;
  await writeFile(join(dir, 'hosts.yaml'), edit(yaml));
  return labPlanFrom(await loadInventory(dir));
}

describe('labPlanFrom', () => {
  it("reads seed 000's lab: a public network, one per cluster, the WireGuard server on all three, nodes behind it", async () => {
    const plan = labPlanFrom(await inventory('lab'));
    expect(plan.topology.networks).toEqual([
      { name: 'public', subnet: '198.18.0.0/24' },
      { name: 'cluster_kzh', subnet: '10.148.10.0/24' },
      { name: 'cluster_ayk', subnet: '10.120.31.0/24' },
    ]);
    const host = (name: string) => plan.topology.hosts.find((h) => h.name === name);
    expect(host('wg-server')).toEqual({
      name: 'wg-server',
      addresses: [
        { network: 'public', ip: '198.18.0.114' },
        { network: 'cluster_kzh', ip: '10.148.10.2' },
        { network: 'cluster_ayk', ip: '10.120.31.2' },
      ],
      sshPort: 22200,
      routes: [],
    });
    // only the public network is routed through the server: the other cluster stays unreachable
    expect(host('jin-kazuha-master-1')).toEqual({
      name: 'jin-kazuha-master-1',
      addresses: [{ network: 'cluster_kzh', ip: '10.148.10.11' }],
      sshPort: null,
      routes: [{ to: '198.18.0.0/24', via: '10.148.10.2' }],
    });
    expect(host('jin-ayaka-worker-1')?.routes).toEqual([{ to: '198.18.0.0/24', via: '10.120.31.2' }]);
    expect(plan.topology.hosts).toHaveLength(5);
    expect(plan.workDir).toMatch(/\/\.lab$/);
    expect(plan.id).toMatch(/^lab-[0-9a-f]{8}$/);
  });

  it("reads seed 004's lab: one network per cluster, every node published, a router between the clusters", async () => {
    const plan = labPlanFrom(await inventory('lab-rke'));
    expect(plan.topology.networks.map((n) => n.name)).toEqual(['cluster1', 'cluster2']);
    const nodes = plan.topology.hosts.filter((h) => h.name.startsWith('k8s-'));
    expect(nodes.map((h) => h.sshPort)).toEqual([22301, 22302, 22303, 22304, 22305, 22306]);
    expect(nodes[0]!.routes).toEqual([{ to: '10.197.2.0/24', via: '10.197.1.254' }]);
    expect(nodes[5]!.routes).toEqual([{ to: '10.197.1.0/24', via: '10.197.2.254' }]);
    expect(plan.topology.hosts.find((h) => h.name === 'lab-router')).toMatchObject({ addresses: [{ ip: '10.197.1.254' }, { ip: '10.197.2.254' }], sshPort: null, forwards: true });
    expect(plan.workDir).toMatch(/\/\.lab\/rke$/);
  });

  it('refuses an inventory of real machines: lab never starts or touches them', async () => {
    const hetzner = await inventory('hetzner');
    expect(() => labPlanFrom(hetzner)).toThrow(/not a lab inventory[\s\S]*lab_networks must be set once/);
    expect(() => labPlanFrom(hetzner)).toThrow(/wg-server: ansible_host is 194\.35\.12\.114; lab hosts are reached on 127\.0\.0\.1, or at a lab address through a lab bastion/);
  });

  it('routes a node behind the bastion to the public network through the bastion', async () => {
    const plan = await smallLab();
    expect(plan.topology.hosts[1]).toEqual({ name: 'node', addresses: [{ network: 'inside', ip: '10.99.7.11' }], sshPort: null, routes: [{ to: '198.18.7.0/24', via: '10.99.7.2' }] });
  });

  it.each([
    ['a subnet in Docker\'s pools', (y: string) => y.replace('10.99.7.0/24', '172.20.0.0/24').replaceAll('10.99.7.', '172.20.0.'), /lab_networks\.inside: 172\.20\.0\.0\/24 overlaps Docker's default pool 172\.16\.0\.0\/12/],
    ['overlapping networks', (y: string) => y.replace('198.18.7.0/24', '10.99.0.0/16'), /lab_networks\.inside: 10\.99\.7\.0\/24 overlaps public 10\.99\.0\.0\/16/],
    ['an address on no network', (y: string) => y.replace('upstream_ip: 10.99.7.11', 'upstream_ip: 10.98.7.11'), /node: upstream_ip 10\.98\.7\.11 is on none of lab_networks/],
    ['a bastion that is no lab host', (y: string) => y.replace('127.0.0.1:22900', '127.0.0.1:22901'), /node: ProxyJump port 22901 is no published lab host's ansible_port/],
    ['a bastion off the node\'s network', (y: string) => y.replace('      lab_addresses: [10.99.7.2]\n', ''), /node: its bastion gate is not on lab network inside, so it cannot reach 10\.99\.7\.11/],
    ['a node reached at another address', (y: string) => y.replace('ansible_host: 10.99.7.11', 'ansible_host: 10.99.7.12'), /node: ansible_host 10\.99\.7\.12 is none of its lab addresses/],
  ])('refuses %s, naming the host and field', async (_name, edit, message) => {
    await expect(smallLab(edit)).rejects.toThrow(message);
  });
});
