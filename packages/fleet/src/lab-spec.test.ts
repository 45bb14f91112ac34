import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '@meshbook/engine';
import { labPlanFrom } from './lab-spec.js';

const inventory = (name: string) => loadInventory(fileURLToPath(new URL(`../../../inventories/${name}`, import.meta.url)));

describe('labPlanFrom', () => {
  it('reads the lab: fixed loopback ports, static IPs on lab_network, the key beside known_hosts', async () => {
    const plan = labPlanFrom(await inventory('lab'));
    expect(plan.subnet).toBe('172.29.10.0/24');
    expect(plan.hosts).toContainEqual({ name: 'wg-server', ip: '172.29.10.10', sshPort: 22200 });
    expect(plan.hosts).toHaveLength(5);
    expect(plan.workDir).toMatch(/\/\.lab$/);
    expect(plan.id).toMatch(/^lab-[0-9a-f]{8}$/);
  });

  it('refuses an inventory of real machines: lab never starts or touches them', async () => {
    const hetzner = await inventory('hetzner');
    expect(() => labPlanFrom(hetzner)).toThrow(/not a lab inventory[\s\S]*wg-server: ansible_host is 194\.35\.12\.114; lab hosts are reached on 127\.0\.0\.1 only/);
  });
});
