import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory } from '@meshbook/engine';
import { labOpenStackStatus, openstackSeedHosts, startLabOpenStack, stopLabOpenStack } from './openstack-double.js';

const workDir = mkdtempSync(join(tmpdir(), 'lab-openstack-'));
afterAll(async () => {
  await stopLabOpenStack(workDir);
  rmSync(workDir, { recursive: true, force: true });
});

describe('the lab\'s OpenStack double', () => {
  it('lab-rke: one seed host per node, from the merged vars; inventories/lab has none', async () => {
    const rke = openstackSeedHosts(await loadInventory(resolve(import.meta.dirname, '../../../inventories/lab-rke')));
    expect(rke).toHaveLength(6);
    expect(rke).toContainEqual({ name: 'k8s-cluster2-node-1', address: '10.197.2.166', network: 'vlan197_net' });
    expect(openstackSeedHosts(await loadInventory(resolve(import.meta.dirname, '../../../inventories/lab')))).toEqual([]);
  });

  it('starts once on 127.0.0.1, is found again while running, stops by its pid and leaves nothing', async () => {
    const hosts = [{ name: 'n1', address: '10.9.0.1', network: 'net' }];
    const first = await startLabOpenStack(workDir, hosts);
    expect(first.authUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/identity\/v3$/);
    expect(statSync(first.cloudsFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(first.cloudsFile, 'utf8')).toContain(first.authUrl);
    expect(await startLabOpenStack(workDir, hosts)).toEqual(first);
    expect(labOpenStackStatus(workDir)).toEqual({ state: 'running', authUrl: first.authUrl });
    await stopLabOpenStack(workDir);
    expect(existsSync(`/proc/${first.pid}/cmdline`) && readFileSync(`/proc/${first.pid}/cmdline`, 'utf8').includes('openstack-api')).toBe(false);
    expect(existsSync(join(workDir, 'openstack'))).toBe(false);
    expect(labOpenStackStatus(workDir)).toBeUndefined();
  }, 30_000);
});
