import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { docker, ignoreMissing } from './docker.js';
import { execInContainer, execOrThrow } from './exec.js';
import { createHostContainer, readAddresses } from './host-container.js';
import { ensureImage } from './image/build.js';
import { SUDO_USER } from './image/recipe.js';
import { LABEL_FLEET, LABEL_HOST, fleetLabels, ownerLabels } from './labels.js';
import {
  LINK_DOWN_SCRIPT,
  LINK_UP_SCRIPT,
  REGENERATE_HOST_KEYS,
  knownHostsLines,
  provisionAccess,
  readHostKeys,
} from './provision.js';
import { waitForSshBanner, waitForSystemd } from './readiness.js';
import { generateEd25519KeyPair } from './ssh-keys.js';
import { launchStandIns, prepareStandIns, prepareStandInsTls, removeStandInsFiles, trustLabCa, type StandIns } from './stand-ins/index.js';
import type { ExecOptions, ExecResult, Fleet, FleetHost, FleetHostSpec, FleetOptions } from './types.js';

/** What the fleet keeps per host beyond the public FleetHost. */
interface HostRecord {
  host: FleetHost;
  /** "TYPE BASE64" as recorded at creation; known_hosts lines are rebuilt from them when the port moves. */
  hostKeys: string[];
  gateway: string;
  /** Order of the addHost call, so `hosts` lists node1..nodeN as asked, not as they booted. */
  order: number;
}

/** Starts a fleet of systemd hosts in parallel; on any failure, removes what it created and rethrows. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const log = options.onLog ?? (() => {});
  const specs = hostSpecs(options.hosts);
  const image = await ensureImage(log);
  const purpose = options.purpose ?? 'test';
  const id = options.id ?? randomBytes(4).toString('hex');
  const prefix = options.prefix ?? `meshbook-${purpose}`;
  const ownsWorkDir = !options.workDir;
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), `meshbook-fleet-${id}-`)));
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const privateKeyPath = join(workDir, 'id_ed25519');
  const keyPair = (await readKeyPair(privateKeyPath)) ?? generateEd25519KeyPair(`meshbook-fleet-${id}`);
  await writeFile(privateKeyPath, keyPair.privateKey, { mode: 0o600 });
  await chmod(privateKeyPath, 0o600);
  await writeFile(`${privateKeyPath}.pub`, `${keyPair.publicKey}\n`, { mode: 0o644 });
  const networkName = `${prefix}-${id}`;
  const labels = { ...fleetLabels(id, purpose), ...ownerLabels() };
  // Before any host: each host trusts the lab CA from its first boot.
  const standInsTls = options.standIns ? await prepareStandInsTls(workDir, id) : null;
  const fleet = new DockerFleet({
    id,
    prefix,
    image,
    networkName,
    labels,
    workDir,
    ownsWorkDir,
    privateKeyPath,
    publicKey: keyPair.publicKey,
    sudoPassword: `sudo-${randomBytes(9).toString('base64url')}`,
    smallDiskHosts: new Set(options.smallDiskHost ?? []),
    fixedAddresses: new Map(specs.map((spec) => [spec.name, spec])),
    trustedCaPem: standInsTls?.caCertPem ?? null,
    log,
  });
  try {
    const started = Date.now();
    await docker().createNetwork({
      Name: networkName,
      Driver: 'bridge',
      Labels: labels,
      CheckDuplicate: true,
      ...(options.network ? { IPAM: { Driver: 'default', Config: [{ Subnet: options.network.subnet }] } } : {}),
    });
    // The stand-ins' content (cached) and signatures are prepared while the hosts start.
    const standIns = standInsTls ? prepareStandIns(workDir, log) : null;
    // allSettled: cleaning up while another host is still being created would leak that host
    const results = await Promise.allSettled([...specs.map((spec) => fleet.addHost(spec.name)), ...(standIns ? [standIns] : [])]);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    // after the hosts, on every network, so it never takes an address a host was given
    if (standIns && standInsTls) {
      fleet.standIns = await launchStandIns(await standIns, { fleetId: id, containerName: `${prefix}-${id}-stand-ins`, image, labels, workDir, tls: standInsTls });
    }
    log(`fleet ${id}: ${fleet.hosts.length} host(s) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return fleet;
  } catch (error) {
    await fleet.destroy().catch(() => {});
    throw error;
  }
}

/** A port nothing listens on now, for a host that must keep its port across restarts. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function hostSpecs(hosts: FleetOptions['hosts']): FleetHostSpec[] {
  const specs =
    typeof hosts === 'number'
      ? Array.from({ length: hosts }, (_, i) => ({ name: `node${i + 1}` }))
      : hosts.map((h) => (typeof h === 'string' ? { name: h } : h));
  const names = specs.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error(`duplicate host names: ${names.join(', ')}`);
  for (const name of names) assertValidHostName(name);
  return specs;
}

/** A key pair left in the work dir by an earlier run (the lab), so its authorised key stays valid. */
async function readKeyPair(privateKeyPath: string): Promise<{ privateKey: string; publicKey: string } | null> {
  try {
    const [privateKey, publicKey] = await Promise.all([readFile(privateKeyPath, 'utf8'), readFile(`${privateKeyPath}.pub`, 'utf8')]);
    return { privateKey, publicKey: publicKey.trim() };
  } catch {
    return null;
  }
}

function assertValidHostName(name: string): void {
  // it becomes a hostname and part of a container name
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(name)) throw new Error(`invalid host name ${JSON.stringify(name)}: use [a-z][a-z0-9-]*`);
}

interface FleetConfig {
  id: string;
  prefix: string;
  image: string;
  networkName: string;
  labels: Record<string, string>;
  workDir: string;
  /** A temp dir of our own is removed on destroy; a caller's dir keeps everything but our two files. */
  ownsWorkDir: boolean;
  privateKeyPath: string;
  publicKey: string;
  sudoPassword: string;
  smallDiskHosts: Set<string>;
  /** Static IPs and SSH ports by host name (hosts added later without one get docker's choice). */
  fixedAddresses: Map<string, FleetHostSpec>;
  /** The lab CA every host trusts (the stand-ins' HTTPS), when the fleet has stand-ins. */
  trustedCaPem: string | null;
  log: (line: string) => void;
}

class DockerFleet implements Fleet {
  readonly id: string;
  readonly privateKeyPath: string;
  readonly knownHostsPath: string;
  readonly sudoUser: { name: string; password: string };
  standIns: StandIns | null = null;
  private readonly records = new Map<string, HostRecord>();
  /** Names being added, so two concurrent addHost calls with one name fail fast. */
  private readonly pending = new Set<string>();
  private nextOrder = 0;
  private destroyed = false;
  /** known_hosts rewrites run one after another, or concurrent addHost calls could interleave them. */
  private knownHostsWrite: Promise<void> = Promise.resolve();

  constructor(private readonly config: FleetConfig) {
    this.id = config.id;
    this.privateKeyPath = config.privateKeyPath;
    this.knownHostsPath = join(config.workDir, 'known_hosts');
    this.sudoUser = { name: SUDO_USER, password: config.sudoPassword };
  }

  get hosts(): FleetHost[] {
    return [...this.records.values()].sort((a, b) => a.order - b.order).map((record) => record.host);
  }

  host(name: string): FleetHost {
    return this.record(name).host;
  }

  exec(host: string, argv: string[], opts?: ExecOptions): Promise<ExecResult> {
    return execInContainer(this.record(host).host.containerId, argv, opts);
  }

  async addHost(name: string): Promise<FleetHost> {
    assertValidHostName(name);
    if (this.destroyed) throw new Error(`fleet ${this.id} is destroyed`);
    if (this.records.has(name) || this.pending.has(name)) throw new Error(`fleet ${this.id} already has a host ${name}`);
    this.pending.add(name);
    const order = this.nextOrder++;
    try {
      const { config } = this;
      const containerName = `${config.prefix}-${config.id}-${name}`;
      const fixed = config.fixedAddresses.get(name);
      const sshPort = fixed?.sshPort ?? (fixed?.restartOnReboot ? await freeLoopbackPort() : undefined);
      const container = await createHostContainer({
        image: config.image,
        containerName,
        hostname: name,
        networkName: config.networkName,
        labels: { ...config.labels, [LABEL_HOST]: name },
        smallDisk: config.smallDiskHosts.has(name),
        ...(config.fixedAddresses.get(name)?.ip ? { ip: config.fixedAddresses.get(name)!.ip } : {}),
        ...(sshPort ? { sshPort } : {}),
        ...(fixed?.restartOnReboot ? { restartOnReboot: true } : {}),
      });
      await container.start();
      // access is set up while systemd boots: neither step needs the other
      const [failedUnits] = await Promise.all([
        waitForSystemd(container.id, name),
        provisionAccess(container.id, SUDO_USER, config.sudoPassword, config.publicKey),
      ]);
      // after boot: systemd sets up /tmp, which update-ca-certificates writes to
      if (config.trustedCaPem) await trustLabCa(container.id, config.trustedCaPem);
      if (failedUnits.length > 0) config.log(`host ${name} is degraded; failed units:\n  ${failedUnits.join('\n  ')}`);
      const addresses = await readAddresses(container.id, config.networkName);
      await waitForSshBanner(addresses.port, name);
      const hostKeys = await readHostKeys(container.id);
      const host: FleetHost = {
        name,
        containerId: container.id,
        containerName,
        address: '127.0.0.1',
        port: addresses.port,
        ip: addresses.ip,
        knownHostsLines: knownHostsLines(addresses.port, hostKeys),
      };
      this.records.set(name, { host, hostKeys, gateway: addresses.gateway, order });
      await this.writeKnownHosts();
      return host;
    } finally {
      this.pending.delete(name);
    }
  }

  async removeHost(name: string): Promise<void> {
    const { host } = this.record(name);
    await ignoreMissing(() => docker().getContainer(host.containerId).remove({ force: true, v: true }));
    this.records.delete(name);
    await this.writeKnownHosts();
  }

  async stop(name: string): Promise<void> {
    await ignoreMissing(() => docker().getContainer(this.record(name).host.containerId).stop());
  }

  async start(name: string): Promise<void> {
    const record = this.record(name);
    const { containerId } = record.host;
    await ignoreMissing(() => docker().getContainer(containerId).start());
    const failedUnits = await waitForSystemd(containerId, name);
    if (failedUnits.length > 0) this.config.log(`host ${name} is degraded; failed units:\n  ${failedUnits.join('\n  ')}`);
    const addresses = await readAddresses(containerId, this.config.networkName);
    await waitForSshBanner(addresses.port, name);
    // the port may have moved; the keys on disk did not, so the recorded keys stay the trusted ones
    record.host.port = addresses.port;
    record.host.ip = addresses.ip;
    record.host.knownHostsLines = knownHostsLines(addresses.port, record.hostKeys);
    record.gateway = addresses.gateway;
    await this.writeKnownHosts();
  }

  async pause(name: string): Promise<void> {
    await docker().getContainer(this.record(name).host.containerId).pause();
  }

  async unpause(name: string): Promise<void> {
    await docker().getContainer(this.record(name).host.containerId).unpause();
  }

  async disconnect(name: string): Promise<void> {
    const { host } = this.record(name);
    await execOrThrow(host.containerId, ['sh', '-c', LINK_DOWN_SCRIPT, 'disconnect', host.ip]);
  }

  async reconnect(name: string): Promise<void> {
    const { host, gateway } = this.record(name);
    await execOrThrow(host.containerId, ['sh', '-c', LINK_UP_SCRIPT, 'reconnect', host.ip, gateway]);
  }

  async regenerateHostKeys(name: string): Promise<void> {
    await execOrThrow(this.record(name).host.containerId, REGENERATE_HOST_KEYS);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await removeFleetContainers(this.id);
    this.records.clear();
    if (this.config.ownsWorkDir) await rm(this.config.workDir, { recursive: true, force: true });
    else {
      await Promise.all([this.privateKeyPath, `${this.privateKeyPath}.pub`, this.knownHostsPath].map((path) => rm(path, { force: true })));
      await removeStandInsFiles(this.config.workDir);
    }
  }

  private record(name: string): HostRecord {
    const record = this.records.get(name);
    if (!record) throw new Error(`fleet ${this.id} has no host ${name} (hosts: ${[...this.records.keys()].join(', ')})`);
    return record;
  }

  private writeKnownHosts(): Promise<void> {
    const write = async () => {
      const lines = this.hosts.flatMap((host) => host.knownHostsLines);
      await writeFile(this.knownHostsPath, lines.length > 0 ? `${lines.join('\n')}\n` : '');
    };
    this.knownHostsWrite = this.knownHostsWrite.then(write, write);
    return this.knownHostsWrite;
  }
}

/** Removes every container and network labelled with the fleet id; for fleets of another process (the lab). */
export async function removeFleetContainers(id: string): Promise<void> {
  const containers = await docker().listContainers({ all: true, filters: { label: [`${LABEL_FLEET}=${id}`] } });
  await Promise.all(containers.map((c) => ignoreMissing(() => docker().getContainer(c.Id).remove({ force: true, v: true }))));
  const networks = await docker().listNetworks({ filters: { label: [`${LABEL_FLEET}=${id}`] } });
  await Promise.all(networks.map((n) => ignoreMissing(() => docker().getNetwork(n.Id).remove())));
}
