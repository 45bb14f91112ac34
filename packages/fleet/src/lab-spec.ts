import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { MeshbookError } from '@meshbook/engine';
import type { Inventory } from '@meshbook/engine';

/** What `meshbook lab` needs to start an inventory's hosts as local systemd-in-Docker hosts. */
export interface LabPlan {
  id: string;
  subnet: string;
  workDir: string;
  hosts: Array<{ name: string; ip: string; sshPort: number }>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost']);

/**
 * Reads the lab's shape from an inventory, refusing anything that is not a lab: every host must be
 * reached on 127.0.0.1 (the lab never starts or touches another machine), name its address on the
 * lab network (`upstream_ip`) and a port of its own, and share one key beside its known_hosts.
 */
export function labPlanFrom(inventory: Inventory): LabPlan {
  const problems: string[] = [];
  const hosts: LabPlan['hosts'] = [];
  const keyFiles = new Set<string>();
  const knownHosts = new Set<string>();
  const subnets = new Set<string>();
  for (const host of inventory.hosts.values()) {
    const { connection, vars } = host;
    if (connection.connection !== 'ssh' || !LOOPBACK.has(connection.address)) {
      problems.push(`${host.name}: ansible_host is ${connection.address}; lab hosts are reached on 127.0.0.1 only`);
      continue;
    }
    const ip = typeof vars.upstream_ip === 'string' ? vars.upstream_ip : undefined;
    if (!ip) problems.push(`${host.name}: upstream_ip (its address on the lab network) is missing`);
    if (typeof vars.lab_network === 'string') subnets.add(vars.lab_network);
    if (connection.privateKeyFile) keyFiles.add(connection.privateKeyFile);
    if (connection.knownHostsFile) knownHosts.add(connection.knownHostsFile);
    if (ip) hosts.push({ name: host.name, ip, sshPort: connection.port });
  }
  const ports = hosts.map((h) => h.sshPort);
  const clash = ports.find((p, i) => ports.indexOf(p) !== i);
  if (clash !== undefined) problems.push(`two hosts use SSH port ${clash}: give each lab host its own ansible_port`);
  if (subnets.size !== 1) problems.push(`lab_network must be set once for all hosts (found ${subnets.size === 0 ? 'none' : [...subnets].join(', ')})`);
  if (keyFiles.size !== 1) problems.push('every lab host must use one ansible_ssh_private_key_file (lab up writes it)');
  const keyFile = [...keyFiles][0] ?? '';
  const workDir = dirname(keyFile);
  if (keyFile && basename(keyFile) !== 'id_ed25519') problems.push(`the key file must be named id_ed25519 (found ${keyFile})`);
  if (knownHosts.size !== 1 || [...knownHosts][0] !== join(workDir, 'known_hosts')) {
    problems.push(`meshbook_known_hosts_file must be ${join(workDir, 'known_hosts')} for every host (lab up writes it there)`);
  }
  if (problems.length > 0) {
    throw new MeshbookError('BAD_INPUT', `${inventory.source} is not a lab inventory:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      hint: 'see inventories/lab/hosts.yaml for the shape meshbook lab expects',
    });
  }
  // Stable per inventory directory (absolute), so `status` and `down` find what `up` started, and
  // two clones never mistake each other's lab (whose key they do not have) for their own.
  const id = `lab-${createHash('sha256').update(resolve(inventory.baseDir)).digest('hex').slice(0, 8)}`;
  return { id, subnet: [...subnets][0]!, workDir, hosts };
}
