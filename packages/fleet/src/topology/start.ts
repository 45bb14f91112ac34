import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker } from '../docker.js';
import { execInContainer } from '../exec.js';
import { removeFleetContainers } from '../fleet.js';
import { createHostContainer } from '../host-container.js';
import { ensureLabImage } from '../image/lab-image.js';
import { SUDO_USER } from '../image/recipe.js';
import { LABEL_HOST, fleetLabels, ownerLabels } from '../labels.js';
import { provisionAccess, readHostKeys } from '../provision.js';
import { waitForSshBanner, waitForSystemd } from '../readiness.js';
import { generateEd25519KeyPair } from '../ssh-keys.js';
import { launchStandIns, prepareStandIns, prepareStandInsTls, trustLabCa } from '../stand-ins/index.js';
import { labKnownHostsLines } from './known-hosts.js';
import { createLabNetworks, dockerNetworkName } from './networks.js';
import { applyRouting } from './routes.js';
import type { LabTopology, LabTopologyHost } from './types.js';

type Log = (line: string) => void;

export function labContainerName(labId: string, host: string): string {
  return `meshbook-lab-${labId}-${host}`;
}

/**
 * Builds the lab from nothing: its networks, then every host on its own networks at its own
 * addresses, booted, authorised for the lab's key, routed; then known_hosts under every name the
 * controller uses. On any failure everything created is removed and the error rethrown.
 */
export async function startLabTopology(labId: string, topology: LabTopology, workDir: string, log: Log): Promise<void> {
  const image = await ensureLabImage(log);
  const publicKey = await ensureLabKey(workDir, labId);
  const labels = { ...fleetLabels(labId, 'lab'), ...ownerLabels() };
  const sudoPassword = `sudo-${randomBytes(9).toString('base64url')}`;
  const started = Date.now();
  // The lab's own internet (stand-ins/): the CA before any host, so each host trusts it from its
  // first boot; the content (cached) and signatures while the hosts start.
  const tls = await prepareStandInsTls(workDir, labId);
  const standIns = prepareStandIns(workDir, log);
  try {
    await createLabNetworks(labId, topology.networks, labels);
    // allSettled: cleaning up while another host is still being created would leak that host
    const results = await Promise.allSettled([
      ...topology.hosts.map((host) => startHost(labId, host, image, labels, publicKey, sudoPassword, tls.caCertPem, log)),
      standIns,
    ]);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    // after the hosts, on every network, so it never takes an address the inventory gives a host
    await launchStandIns(await standIns, { fleetId: labId, containerName: labContainerName(labId, 'stand-ins'), image, labels, workDir, tls });
    const lines = results.slice(0, topology.hosts.length).flatMap((result) => (result.status === 'fulfilled' ? (result.value as string[]) : []));
    await writeFile(join(workDir, 'known_hosts'), `${lines.join('\n')}\n`);
    log(`lab ${labId}: ${topology.hosts.length} host(s) on ${topology.networks.length} network(s) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    await standIns.catch(() => {}); // settled before cleaning up, so nothing is left half-written
    await removeFleetContainers(labId).catch(() => {});
    throw error;
  }
}

/** Returns the host's known_hosts lines. */
async function startHost(
  labId: string,
  host: LabTopologyHost,
  image: string,
  labels: Record<string, string>,
  publicKey: string,
  sudoPassword: string,
  caCertPem: string,
  log: Log,
): Promise<string[]> {
  const [primary, ...others] = host.addresses;
  if (!primary) throw new Error(`lab host ${host.name} has no address on any lab network`);
  const container = await createHostContainer({
    image,
    containerName: labContainerName(labId, host.name),
    hostname: host.name,
    networkName: dockerNetworkName(labId, primary.network),
    ip: primary.ip,
    labels: { ...labels, [LABEL_HOST]: host.name },
    smallDisk: false,
    ...(host.sshPort === null ? { publishSsh: false } : { sshPort: host.sshPort }),
  });
  for (const address of others) {
    await docker()
      .getNetwork(dockerNetworkName(labId, address.network))
      .connect({ Container: container.id, EndpointConfig: { IPAMConfig: { IPv4Address: address.ip } } });
  }
  await container.start();
  const [failedUnits] = await Promise.all([waitForSystemd(container.id, host.name), provisionAccess(container.id, SUDO_USER, sudoPassword, publicKey)]);
  if (failedUnits.length > 0) log(`host ${host.name} is degraded; failed units:\n  ${failedUnits.join('\n  ')}`);
  // after boot: systemd sets up /tmp, which update-ca-certificates writes to
  await trustLabCa(container.id, caCertPem);
  return readyHost(container.id, host);
}

/** Routes set, sshd answering; returns the host's known_hosts lines. */
export async function readyHost(containerId: string, host: LabTopologyHost): Promise<string[]> {
  await applyRouting(containerId, host.routes, host.forwards);
  if (host.sshPort !== null) await waitForSshBanner(host.sshPort, host.name);
  else await waitForSshdInside(containerId, host.name);
  return labKnownHostsLines(host, await readHostKeys(containerId));
}

/** A host reached only through a bastion has no published port to knock on: ask systemd. */
async function waitForSshdInside(containerId: string, hostName: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const result = await execInContainer(containerId, ['systemctl', 'is-active', 'ssh.service']);
    if (result.stdout.trim() === 'active') return;
    await sleep(200);
  }
  throw new Error(`host ${hostName}: ssh.service is not active`);
}

/** The lab's key pair in workDir: kept across `lab up`s so the authorised key stays valid. */
async function ensureLabKey(workDir: string, labId: string): Promise<string> {
  const privateKeyPath = join(workDir, 'id_ed25519');
  try {
    await readFile(privateKeyPath, 'utf8');
    return (await readFile(`${privateKeyPath}.pub`, 'utf8')).trim();
  } catch {
    const pair = generateEd25519KeyPair(`meshbook-${labId}`);
    await writeFile(privateKeyPath, pair.privateKey, { mode: 0o600 });
    await chmod(privateKeyPath, 0o600);
    await writeFile(`${privateKeyPath}.pub`, `${pair.publicKey}\n`, { mode: 0o644 });
    return pair.publicKey;
  }
}
