import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker } from '../docker.js';
import { execInContainer } from '../exec.js';
import { LABEL_FLEET, LABEL_HOST } from '../labels.js';
import { ensureLabTls, readLabTls, type LabTls } from './lab-ca.js';
import { SigningKeys } from './signing-keys.js';
import { LABEL_SITE, ensureSite, type Site, type SiteManifest } from './site.js';
import { PATHS, STAND_INS_HOSTNAME, standInUrls, type StandInUrls } from './site-layout.js';
import { SERVER_SCRIPT } from './server-script.js';

/** On the stand-ins container: what it is, and which cached site it serves. */
export const LABEL_ROLE = 'meshbook.role';
export const ROLE_STAND_INS = 'stand-ins';
export const STAND_INS_NAME = 'stand-ins';

/** The lab's own internet, as a test or the lab sees it. */
export interface StandIns {
  hostname: string;
  urls: StandInUrls;
  containerId: string;
  /** The lab CA's certificate (public): hosts trust it for the stand-ins' HTTPS. */
  caCertPem: string;
  caCertPath: string;
  /** What the site holds: package versions, whether the cilium-cli release exists, ... */
  manifest: SiteManifest;
  /** The armored public key a repository is signed with (what Release.key etc. serve). */
  publicKey(signer: 'kubernetes' | 'helm' | 'docker'): Promise<string>;
  /** Serves `content` at `path` (relative to the server root) in place of the real file: for fault tests. */
  serve(path: string, content: string | Buffer): Promise<void>;
  /** Serves the real file at `path` again (undoes `serve`; the lab's signatures are put back). */
  restore(path: string): Promise<void>;
  /** How many GET requests for `path` (absolute, e.g. '/pkgs.k8s.io/…/InRelease') were answered 200. */
  requests(path: string): Promise<number>;
}

const PORT = 443;
const MOUNT = { site: '/srv/stand-ins/site', run: '/srv/stand-ins/run', tls: '/srv/stand-ins/tls' };

/** The stand-ins' files in a lab's or fleet's work dir: TLS (keys 0600), GnuPG home, served per-start files. */
function workPaths(workDir: string) {
  const base = join(workDir, 'stand-ins');
  return { base, tls: join(base, 'tls'), gnupg: join(base, 'gnupg'), www: join(base, 'www') };
}

/**
 * The lab CA and the stand-ins' certificate, made before the hosts start so each host trusts the
 * CA from its first boot. Kept in `workDir` (a resumed lab keeps its CA).
 */
export function prepareStandInsTls(workDir: string, label: string): Promise<LabTls> {
  return ensureLabTls(workPaths(workDir).tls, STAND_INS_HOSTNAME, label);
}

/** What the stand-ins serve, ready before their container exists: the cached site and this start's signatures. */
export interface PreparedStandIns {
  site: Site;
  keys: SigningKeys;
}

/** The site (built or found in the cache) and this lab's or fleet's signing keys and signatures. */
export async function prepareStandIns(workDir: string, log: (line: string) => void): Promise<PreparedStandIns> {
  const paths = workPaths(workDir);
  const [site, keys] = await Promise.all([ensureSite(log), SigningKeys.ensure(paths.gnupg)]);
  await writeSignatures(site.dir, site.manifest, keys, paths.www);
  return { site, keys };
}

export interface LaunchStandInsOptions {
  fleetId: string;
  containerName: string;
  /** Any image of the project's with python3 and curl (the host or lab image). */
  image: string;
  labels: Record<string, string>;
  workDir: string;
  tls: LabTls;
}

/**
 * Starts the stand-ins container on every network the fleet or lab has by now (name
 * `stand-ins.meshbook.test` on each), serving the cached site plus this start's signatures, and
 * waits until it answers. Its addresses are Docker's choice: started after the hosts, it never
 * takes an address the inventory gives a host.
 */
export async function launchStandIns(prepared: PreparedStandIns, options: LaunchStandInsOptions): Promise<StandIns> {
  const { site, keys } = prepared;
  const paths = workPaths(options.workDir);
  const networks = await fleetNetworks(options.fleetId);
  if (networks.length === 0) throw new Error(`fleet ${options.fleetId} has no network for the stand-ins`);
  const [first, ...others] = networks;
  const container = await docker().createContainer({
    name: options.containerName,
    Hostname: STAND_INS_NAME,
    Image: options.image,
    Cmd: ['python3', '-u', '-c', SERVER_SCRIPT, `${MOUNT.run}:${MOUNT.site}`, `${MOUNT.tls}/server.crt`, `${MOUNT.tls}/server.key`, String(PORT)],
    Labels: { ...options.labels, [LABEL_HOST]: STAND_INS_NAME, [LABEL_ROLE]: ROLE_STAND_INS, [LABEL_SITE]: site.manifest.hash },
    StopTimeout: 5,
    HostConfig: {
      Binds: [`${site.dir}:${MOUNT.site}:ro`, `${paths.www}:${MOUNT.run}:ro`, `${paths.tls}:${MOUNT.tls}:ro`],
      NetworkMode: first,
      // on every network, so it must never carry traffic between them (the lab's clusters stay apart)
      Sysctls: { 'net.ipv4.ip_forward': '0' },
    },
    NetworkingConfig: { EndpointsConfig: { [first!]: { Aliases: [STAND_INS_HOSTNAME] } } },
  });
  for (const network of others) await docker().getNetwork(network).connect({ Container: container.id, EndpointConfig: { Aliases: [STAND_INS_HOSTNAME] } });
  await container.start();
  await waitUntilServing(container.id, site.manifest);
  return handle(container.id, options.tls, site.manifest, keys, paths.www, site.dir);
}

/** A lab's stand-ins again (`lab up` on a lab that exists): started when stopped, checked that they serve. */
export async function resumeStandIns(fleetId: string, workDir: string, log: (line: string) => void): Promise<StandIns> {
  const found = await docker().listContainers({ all: true, filters: { label: [`${LABEL_FLEET}=${fleetId}`, `${LABEL_ROLE}=${ROLE_STAND_INS}`] } });
  if (found.length !== 1) throw new Error(`the lab's stand-ins container is missing: run \`meshbook lab down\`, then \`meshbook lab up\``);
  const info = found[0]!;
  const hash = info.Labels[LABEL_SITE] ?? '';
  const paths = workPaths(workDir);
  const siteDir = info.Mounts.find((m) => m.Destination === MOUNT.site)?.Source ?? '';
  const manifest = await readFile(join(siteDir, '.manifest.json'), 'utf8').then((text) => JSON.parse(text) as SiteManifest, () => null);
  if (!manifest || manifest.hash !== hash) {
    throw new Error(`the stand-ins' content ${hash} is gone from the cache: run \`meshbook lab down\`, then \`meshbook lab up\``);
  }
  // the CA and keys the hosts already trust: made again, they would not match
  const tls = await readLabTls(paths.tls);
  if (!tls || !(await SigningKeys.exist(paths.gnupg))) {
    throw new Error(`the lab's CA or signing keys are missing from ${paths.base}: run \`meshbook lab down\`, then \`meshbook lab up\``);
  }
  if (info.State !== 'running') {
    log('starting stand-ins');
    await docker().getContainer(info.Id).start();
  }
  await waitUntilServing(info.Id, manifest);
  return handle(info.Id, tls, manifest, await SigningKeys.ensure(paths.gnupg), paths.www, siteDir);
}

/** Removes the stand-ins' files from a work dir (keys, CA, signatures). */
export async function removeStandInsFiles(workDir: string): Promise<void> {
  await rm(workPaths(workDir).base, { recursive: true, force: true });
}

async function fleetNetworks(fleetId: string): Promise<string[]> {
  const networks = await docker().listNetworks({ filters: { label: [`${LABEL_FLEET}=${fleetId}`] } });
  return networks.map((n) => n.Name).sort();
}

/** Each Release's InRelease and Release.gpg, and each repository's public key, in the per-start dir. */
async function writeSignatures(siteDir: string, manifest: SiteManifest, keys: SigningKeys, www: string): Promise<void> {
  await mkdir(www, { recursive: true, mode: 0o755 });
  for (const { release, signer } of manifest.releases) {
    const { inRelease, releaseGpg } = await keys.sign(signer, await readFile(join(siteDir, release), 'utf8'));
    await put(www, join(dirname(release), 'InRelease'), inRelease);
    await put(www, join(dirname(release), 'Release.gpg'), releaseGpg);
  }
  await put(www, PATHS.kubernetesAptKey, await keys.armoredPublicKey('kubernetes'));
  await put(www, PATHS.helmAptKey, await keys.armoredPublicKey('helm'));
  await put(www, PATHS.dockerAptKey, await keys.armoredPublicKey('docker'));
}

async function put(root: string, path: string, content: string | Buffer): Promise<void> {
  const target = join(root, normalize(path).replace(/^(\.\.(\/|$))+/, ''));
  await mkdir(dirname(target), { recursive: true, mode: 0o755 });
  // A new file (not rewritten in place), so the server's Last-Modified moves and no client gets a 304.
  await rm(target, { force: true });
  await writeFile(target, content, { mode: 0o644 });
}

/** Until the server answers over TLS, with the lab CA, for the name the hosts use. */
async function waitUntilServing(containerId: string, manifest: SiteManifest): Promise<void> {
  const probe = `https://${STAND_INS_HOSTNAME}/${manifest.releases[0]!.release.replace(/Release$/, 'InRelease')}`;
  const argv = ['curl', '-fsS', '-o', '/dev/null', '--cacert', `${MOUNT.tls}/ca.crt`, '--resolve', `${STAND_INS_HOSTNAME}:${PORT}:127.0.0.1`, probe];
  let last = '';
  for (let attempt = 0; attempt < 100; attempt++) {
    const result = await execInContainer(containerId, argv).catch((error: Error) => ({ exitCode: -1, stderr: error.message, stdout: '' }));
    if (result.exitCode === 0) return;
    last = result.stderr.trim();
    await sleep(100);
  }
  const logs = demux(await docker().getContainer(containerId).logs({ stdout: true, stderr: true, tail: 30 }));
  throw new Error(`the stand-ins server did not answer ${probe} within 10 s (${last}):\n${logs}`);
}

function handle(containerId: string, tls: LabTls, manifest: SiteManifest, keys: SigningKeys, www: string, siteDir: string): StandIns {
  return {
    hostname: STAND_INS_HOSTNAME,
    urls: standInUrls(),
    containerId,
    caCertPem: tls.caCertPem,
    caCertPath: tls.caCertPath,
    manifest,
    publicKey: (signer) => keys.armoredPublicKey(signer),
    serve: (path, content) => put(www, path, content),
    async restore(path) {
      await rm(join(www, normalize(path).replace(/^(\.\.(\/|$))+/, '')), { force: true });
      // the per-start files (signatures, keys) are this start's own: write them again
      await writeSignatures(siteDir, manifest, keys, www);
    },
    async requests(path) {
      const logs = demux(await docker().getContainer(containerId).logs({ stdout: true, stderr: false }));
      return logs.split('\n').filter((line) => line === `GET ${path} 200`).length;
    },
  };
}

/** The payload of docker's multiplexed log stream (8-byte frame headers: stream, 0, 0, 0, size). */
function demux(raw: Buffer): string {
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString();
}
