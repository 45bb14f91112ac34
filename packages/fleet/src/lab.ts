import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docker } from './docker.js';
import { removeFleetContainers, startFleet } from './fleet.js';
import { LABEL_FLEET, LABEL_HOST } from './labels.js';
import { knownHostsLines, readHostKeys } from './provision.js';
import { waitForSshBanner, waitForSystemd } from './readiness.js';
import { LABEL_ROLE, ROLE_STAND_INS, removeStandInsFiles, resumeStandIns } from './stand-ins/index.js';
import type { FleetHostSpec } from './types.js';

/**
 * The local lab: a fleet that outlives the process that started it, found again by its fixed id.
 * Every host has the IP and SSH port its inventory names, so the inventory is plain static YAML;
 * only the key and the hosts' keys are written at `up`, into `workDir`.
 */
export interface LabSpec {
  /** Fixed fleet id, e.g. 'lab'. */
  id: string;
  hosts: Array<Required<FleetHostSpec>>;
  subnet: string;
  /** Where id_ed25519 and known_hosts go. */
  workDir: string;
}

export interface LabHostStatus {
  name: string;
  /** A host of the inventory, or the stand-ins (the lab's own internet: apt repositories, releases, charts). */
  role: 'host' | 'stand-ins';
  containerId: string;
  state: string;
  sshPort: number | null;
  ip: string | null;
}

export async function labStatus(id: string): Promise<LabHostStatus[]> {
  const containers = await docker().listContainers({ all: true, filters: { label: [`${LABEL_FLEET}=${id}`] } });
  return containers
    .map((c) => ({
      name: c.Labels[LABEL_HOST] ?? c.Names[0] ?? c.Id,
      role: c.Labels[LABEL_ROLE] === ROLE_STAND_INS ? ('stand-ins' as const) : ('host' as const),
      containerId: c.Id,
      state: c.State,
      sshPort: c.Ports.find((p) => p.PrivatePort === 22 && p.PublicPort)?.PublicPort ?? null,
      ip: Object.values(c.NetworkSettings?.Networks ?? {})[0]?.IPAddress ?? null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Starts the lab, or brings an existing one back (stopped hosts started, known_hosts rewritten).
 * A lab whose hosts no longer match the spec is refused: `down` first, nothing is half-changed.
 */
export async function labUp(spec: LabSpec, log: (line: string) => void = () => {}): Promise<'started' | 'resumed'> {
  const existing = await labStatus(spec.id);
  if (existing.length === 0) {
    await startFleet({ id: spec.id, hosts: spec.hosts, network: { subnet: spec.subnet }, workDir: spec.workDir, purpose: 'lab', prefix: 'meshbook-lab', standIns: true, onLog: log });
    return 'started';
  }
  const found = existing.filter((h) => h.role === 'host');
  const wanted = spec.hosts.map((h) => `${h.name}@${h.ip}:${h.sshPort}`).sort();
  const running = found.map((h) => `${h.name}@${h.ip}:${h.sshPort}`).sort();
  const stopped = found.filter((h) => h.state !== 'running');
  if (stopped.length === 0 && wanted.join() !== running.join()) {
    throw new Error(
      `the running lab "${spec.id}" does not match the inventory (running: ${running.join(', ')}; inventory: ${wanted.join(', ')}). ` +
        'Run `meshbook lab down` first, then `meshbook lab up`.',
    );
  }
  const lines: string[] = [];
  for (const host of spec.hosts) {
    const container = found.find((c) => c.name === host.name);
    if (!container) throw new Error(`lab host ${host.name} is missing: run \`meshbook lab down\`, then \`meshbook lab up\``);
    if (container.state !== 'running') {
      log(`starting ${host.name}`);
      await docker().getContainer(container.containerId).start();
      await waitForSystemd(container.containerId, host.name);
    }
    await waitForSshBanner(host.sshPort, host.name);
    lines.push(...knownHostsLines(host.sshPort, await readHostKeys(container.containerId)));
  }
  await writeFile(join(spec.workDir, 'known_hosts'), `${lines.join('\n')}\n`);
  await resumeStandIns(spec.id, spec.workDir, log);
  return 'resumed';
}

/** Removes the lab's containers and network, its key and known_hosts, and the stand-ins' CA and keys. */
export async function labDown(id: string, workDir: string): Promise<void> {
  await removeFleetContainers(id);
  await Promise.all(['id_ed25519', 'id_ed25519.pub', 'known_hosts'].map((f) => rm(join(workDir, f), { force: true })));
  await removeStandInsFiles(workDir);
}
