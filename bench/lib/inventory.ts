import { writeFile } from 'node:fs/promises';
import type { Fleet } from '../../packages/fleet/src/index.ts';
import type { Tool } from './args.js';

/** Latency relays in front of the hosts: the port to reach each host by, and a known_hosts naming those ports. */
export interface RelayPorts {
  portOf(host: string): number;
  knownHostsPath: string;
}

/**
 * Ansible's YAML inventory shape, which meshbook reads too. Both tools get the same hosts and
 * variables; meshbook also gets the fleet's known_hosts (it checks host keys strictly), Ansible runs
 * with host key checking off as tuned.
 */
export async function writeInventory(fleet: Fleet, tool: Tool, path: string, via?: RelayPorts): Promise<void> {
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const h of fleet.hosts) {
    hosts[h.name] = { ansible_port: via?.portOf(h.name) ?? h.port, bench_node_ip: h.ip, bench_node_name: h.name };
  }
  const vars: Record<string, unknown> = {
    ansible_host: '127.0.0.1',
    ansible_user: 'root',
    ansible_ssh_private_key_file: fleet.privateKeyPath,
    bench_cluster_name: 'cluster-bench',
    bench_pod_cidr: '10.244.0.0/16',
    bench_service_cidr: '10.96.0.0/12',
  };
  if (tool === 'meshbook') vars.meshbook_known_hosts_file = via?.knownHostsPath ?? fleet.knownHostsPath;
  // The same interpreter ansible.cfg names: Mitogen's bootstrap was seen falling back to a missing
  // /usr/bin/python on loaded hosts without it.
  else vars.ansible_python_interpreter = '/usr/bin/python3';
  // JSON is YAML: both tools parse it with their YAML loaders, and bench/ needs no YAML dependency.
  await writeFile(path, `${JSON.stringify({ all: { vars, children: { bench_nodes: { hosts } } } }, null, 2)}\n`);
}
