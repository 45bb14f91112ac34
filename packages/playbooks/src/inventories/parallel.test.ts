import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory, type Inventory } from '@meshbook/engine';
import { describe, expect, it } from 'vitest';

/**
 * A lab inventory mirrors its seed's real inventory: same hosts in the same order, same groups,
 * same variables with the same values, except what makes it a lab. So a variable a playbook needs
 * cannot exist in one and not the other.
 */
const INVENTORIES = fileURLToPath(new URL('../../../../inventories/', import.meta.url));

/** Addresses, ports, keys, URLs and how the controller connects: the values differ by nature. */
const MAY_DIFFER = new Set([
  'ansible_host', 'ansible_port', 'ansible_user', 'ansible_ssh_common_args', 'ansible_ssh_private_key_file',
  'public_ip', 'upstream_ip', 'kube_vip', 'wireguard_endpoint', 'metallb_range',
  // the lab's containers name their interface eth0, the seed's VMs ens3
  'upstream_interface',
  // where packages, releases and charts come from: the lab's stand-ins or the real places
  'kubernetes_apt_url', 'kubernetes_apt_key_url', 'helm_apt_url', 'helm_apt_key_url', 'docker_repo_url',
  'cilium_cli_stable_url', 'cilium_cli_download_url', 'cilium_chart_repo_url', 'metallb_chart_repo_url',
]);
/** The lab's own settings (each explained in the lab inventory's header). */
const LAB_ONLY = new Set([
  'lab_networks', 'lab_addresses', 'lab_router', 'meshbook_known_hosts_file', 'meshbook_host_key_checking',
  'ansible_ssh_private_key_file', 'wireguard_userspace', 'containerd_source', 'apt_upgrade',
  'rke_binary', 'openstack_cloud', 'openstack_clouds_file',
]);
/** Connection settings with a default (port 22): written on one side only when it differs from it. */
const CONNECTION_DEFAULTS = new Set(['ansible_port']);
/** The lab logs in as root, so it does not become. */
const REAL_ONLY = new Set(['ansible_become']);

function differences(real: Inventory, lab: Inventory): string[] {
  const found: string[] = [];
  const realHosts = [...real.hosts.keys()];
  const labHosts = [...lab.hosts.keys()];
  if (realHosts.join() !== labHosts.join()) found.push(`hosts: ${realHosts.join(', ')} vs ${labHosts.join(', ')}`);
  for (const [name, host] of real.hosts) {
    const mirror = lab.hosts.get(name);
    if (!mirror) continue;
    if (host.groups.join() !== mirror.groups.join()) found.push(`${name}: groups ${host.groups.join(', ')} vs ${mirror.groups.join(', ')}`);
    for (const key of new Set([...Object.keys(host.vars), ...Object.keys(mirror.vars)])) {
      const inReal = key in host.vars;
      const inLab = key in mirror.vars;
      if (inReal !== inLab && CONNECTION_DEFAULTS.has(key)) continue;
      if (inReal && !inLab && !REAL_ONLY.has(key)) found.push(`${name}: ${key} only in ${real.source}`);
      else if (inLab && !inReal && !LAB_ONLY.has(key)) found.push(`${name}: ${key} only in ${lab.source}`);
      else if (inReal && inLab && !MAY_DIFFER.has(key) && JSON.stringify(host.vars[key]) !== JSON.stringify(mirror.vars[key])) {
        found.push(`${name}: ${key} is ${JSON.stringify(host.vars[key])} vs ${JSON.stringify(mirror.vars[key])}`);
      }
    }
  }
  return found;
}

describe('lab inventories mirror their seed', () => {
  it.each([
    ['hetzner', 'lab'],
    ['openstack', 'lab-rke'],
  ])('%s and %s differ only in addresses, ports, keys and lab settings', async (real, lab) => {
    const [a, b] = await Promise.all([loadInventory(join(INVENTORIES, real)), loadInventory(join(INVENTORIES, lab))]);
    expect(differences(a, b)).toEqual([]);
  });

  it('a variable changed or added in the lab alone is a difference', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshbook-parallel-'));
    try {
      const yaml = await readFile(join(INVENTORIES, 'lab/hosts.yaml'), 'utf8');
      await writeFile(join(dir, 'hosts.yaml'), yaml.replace('pod_cidr: 10.242.0.0/16', 'pod_cidr: 10.243.0.0/16\n                kubeadm_extra: true'));
      const found = differences(await loadInventory(join(INVENTORIES, 'hetzner')), await loadInventory(dir));
      expect(found).toContain('jin-ayaka-master-1: pod_cidr is "10.242.0.0/16" vs "10.243.0.0/16"');
      expect(found.some((line) => line.startsWith('jin-ayaka-worker-1: kubeadm_extra only in'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
