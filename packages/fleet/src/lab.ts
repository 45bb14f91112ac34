import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docker } from './docker.js';
import { removeFleetContainers } from './fleet.js';
import { LABEL_FLEET, LABEL_HOST } from './labels.js';
import { waitForSystemd } from './readiness.js';
import { readyHost, startLabTopology } from './topology/start.js';
import type { LabTopology } from './topology/types.js';
import { LABEL_ROLE, ROLE_STAND_INS, removeStandInsFiles, resumeStandIns } from './stand-ins/index.js';

/**
 * The local lab: hosts that outlive the process that started them, found again by their fixed id,
 * on the networks their inventory describes (topology/). Every host has the addresses and SSH
 * port its inventory names, so the inventory is plain static YAML; only the key and the hosts'
 * keys are written at `up`, into `workDir`.
 */
export interface LabSpec {
  /** Fixed lab id, e.g. 'lab-1a2b3c4d'. */
  id: string;
  topology: LabTopology;
  /** Where id_ed25519 and known_hosts go. */
  workDir: string;
}

export interface LabHostStatus {
  name: string;
  /** A host of the inventory, or the stand-ins (the lab's own internet: apt repositories, releases, charts). */
  role: 'host' | 'stand-ins';
  containerId: string;
  state: string;
  /** null: sshd is not published (reached through a bastion). */
  sshPort: number | null;
  /** First lab address (kept for callers that show one). */
  ip: string | null;
  /** Every lab address, sorted. */
  ips: string[];
}

export async function labStatus(id: string): Promise<LabHostStatus[]> {
  const containers = await docker().listContainers({ all: true, filters: { label: [`${LABEL_FLEET}=${id}`] } });
  return containers
    .map((c) => {
      const ips = Object.values(c.NetworkSettings?.Networks ?? {})
        .map((n) => n.IPAMConfig?.IPv4Address || n.IPAddress)
        .filter(Boolean)
        .sort();
      return {
        name: c.Labels[LABEL_HOST] ?? c.Names[0] ?? c.Id,
        role: c.Labels[LABEL_ROLE] === ROLE_STAND_INS ? ('stand-ins' as const) : ('host' as const),
        containerId: c.Id,
        state: c.State,
        sshPort: c.Ports.find((p) => p.PrivatePort === 22 && p.PublicPort)?.PublicPort ?? null,
        ip: ips[0] ?? null,
        ips,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Starts the lab, or brings an existing one back (stopped hosts started, routes set again,
 * known_hosts rewritten). A lab whose hosts no longer match the spec is refused: `down` first,
 * nothing is half-changed.
 */
export async function labUp(spec: LabSpec, log: (line: string) => void = () => {}): Promise<'started' | 'resumed'> {
  const existing = await labStatus(spec.id);
  if (existing.length === 0) {
    await startLabTopology(spec.id, spec.topology, spec.workDir, log);
    return 'started';
  }
  const hosts = existing.filter((h) => h.role === 'host');
  const shape = (name: string, ips: string[], port: number | null) => `${name}@${[...ips].sort().join('+')}:${port ?? '-'}`;
  const wanted = spec.topology.hosts.map((h) => shape(h.name, h.addresses.map((a) => a.ip), h.sshPort)).sort();
  const found = hosts.map((h) => shape(h.name, h.ips, h.sshPort)).sort();
  const stopped = hosts.filter((h) => h.state !== 'running');
  if (stopped.length === 0 && wanted.join() !== found.join()) {
    throw new Error(
      `the running lab "${spec.id}" does not match the inventory (running: ${found.join(', ')}; inventory: ${wanted.join(', ')}). ` +
        'Run `meshbook lab down` first, then `meshbook lab up`.',
    );
  }
  const lines: string[] = [];
  for (const host of spec.topology.hosts) {
    const container = hosts.find((c) => c.name === host.name);
    if (!container) throw new Error(`lab host ${host.name} is missing: run \`meshbook lab down\`, then \`meshbook lab up\``);
    if (container.state !== 'running') {
      log(`starting ${host.name}`);
      await docker().getContainer(container.containerId).start();
      await waitForSystemd(container.containerId, host.name);
    }
    lines.push(...(await readyHost(container.containerId, host)));
  }
  await writeFile(join(spec.workDir, 'known_hosts'), `${lines.join('\n')}\n`);
  await resumeStandIns(spec.id, spec.workDir, log);
  return 'resumed';
}

/** Removes the lab's containers and networks, its key and known_hosts, and the stand-ins' CA and keys. */
export async function labDown(id: string, workDir: string): Promise<void> {
  await removeFleetContainers(id);
  await Promise.all(['id_ed25519', 'id_ed25519.pub', 'known_hosts'].map((f) => rm(join(workDir, f), { force: true })));
  await removeStandInsFiles(workDir);
}
