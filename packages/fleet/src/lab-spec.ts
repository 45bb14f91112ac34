import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { MeshbookError, type Inventory } from '@meshbook/engine';
import { labTopologyFrom } from './topology/from-inventory.js';
import type { LabTopology } from './topology/types.js';

/** What `meshbook lab` needs to start an inventory's hosts as local systemd-in-Docker hosts. */
export interface LabPlan {
  id: string;
  workDir: string;
  topology: LabTopology;
}

/**
 * Reads the lab's shape from an inventory, refusing anything that is not a lab: every host is
 * reached on 127.0.0.1 or through a lab bastion there (the lab never starts or touches another
 * machine), sits on the lab's networks (lab-topology.ts), and shares one key beside its known_hosts.
 */
export function labPlanFrom(inventory: Inventory): LabPlan {
  const hosts = [...inventory.hosts.values()];
  const { plan: topology, problems } = labTopologyFrom(hosts);
  const keyFiles = new Set(hosts.map((h) => h.connection.privateKeyFile ?? ''));
  const knownHosts = new Set(hosts.map((h) => h.connection.knownHostsFile ?? ''));
  if (keyFiles.size !== 1 || keyFiles.has('')) problems.push('every lab host must use one ansible_ssh_private_key_file (lab up writes it)');
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
  return { id, workDir, topology };
}
