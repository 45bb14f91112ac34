import { createHash } from 'node:crypto';
import { access, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docker } from '../docker.js';
import { ensureImage } from '../image/build.js';
import { cacheDir } from '../image/cache.js';
import { withLock } from '../image/lock.js';
import { kubeClients, HELM_VERSION, KUBECTL_VERSION } from '../kube-clients.js';
import { packagesStanza, writePackages, writeRelease } from './apt-index.js';
import { CHARTS_SOURCE_DIR, buildChartRepository } from './charts.js';
import { buildContainerdIo } from './containerd-io.js';
import { buildDeb } from './deb.js';
import { KUBEADM_DROP_IN, KUBELET_UNIT, builtDoubles, ciliumExecutable, doublesUnitFile, helmPackage, kubernetesPackages, runtimePackage } from './packages.js';
import { CILIUM_CHART_VERSIONS, CILIUM_CLI_VERSION, DOCKER_SUITE, METALLB_CHART_VERSIONS, PATHS } from './site-layout.js';
import { runTool } from './tools.js';

/** On each stand-ins container: the site it serves (so a site in use is never removed). */
export const LABEL_SITE = 'meshbook.stand-ins.site';

/** Bump when the way the site is built changes in a way its inputs do not show. */
const SITE_FORMAT = 2;

/** A signed apt repository's Release file, relative to the site root, and who signs it. */
export interface ReleaseToSign {
  release: string;
  signer: 'kubernetes' | 'helm' | 'docker';
}

/** What the site holds, for the server and for tests to know what to expect. */
export interface SiteManifest {
  hash: string;
  releases: ReleaseToSign[];
  /** Debs by package name (the versions the repositories serve). */
  packages: Record<string, string>;
  /** Doubles that exist but that no package or tarball carries yet. */
  unpackaged: string[];
  ciliumCli: boolean;
}

export interface Site {
  dir: string;
  manifest: SiteManifest;
}

/**
 * The doubles the site packages (others are reported as unpackaged). The clustermesh-apiserver
 * runs from the cilium executable itself (`cilium __clustermesh-apiserver`), as the one-file
 * tarball has nothing beside it.
 */
const PACKAGED_DOUBLES = new Set(['kubeadm', 'kube-apiserver', 'kubelet', 'cilium', 'clustermesh-apiserver']);

/**
 * The stand-ins' content that does not change per lab: the .debs, the repositories' unsigned
 * indexes, the cilium-cli release and the chart repositories. Built once per set of inputs into
 * ${XDG_CACHE_HOME:-~/.cache}/meshbook/stand-ins/site-<hash> (the doubles' files, the real clients'
 * versions, node, the host image, the charts' sources) and served read-only from there.
 */
export async function ensureSite(log: (line: string) => void): Promise<Site> {
  // containerd.io is made from the host image's own containerd (the lab's image has none)
  const hostImage = await ensureImage(log);
  const doubles = builtDoubles();
  const hash = await siteHash(hostImage, doubles);
  const root = join(cacheDir(), 'stand-ins');
  const dir = join(root, `site-${hash}`);
  const manifestPath = join(dir, '.manifest.json');
  const read = async (): Promise<Site | null> =>
    access(manifestPath).then(async () => ({ dir, manifest: JSON.parse(await readFile(manifestPath, 'utf8')) as SiteManifest }), () => null);
  const cached = await read();
  if (cached) return cached;
  await mkdir(root, { recursive: true });
  return withLock(join(root, 'build.lock'), () => log('another process is building the stand-ins\' content; waiting for it'), async () => {
    const again = await read();
    if (again) return again;
    const started = Date.now();
    const staging = `${dir}.${process.pid}.tmp`;
    await rm(staging, { recursive: true, force: true });
    try {
      const manifest = await buildSite(staging, hash, hostImage, doubles, log);
      await writeFile(join(staging, '.manifest.json'), JSON.stringify(manifest, null, 2));
      await rename(staging, dir);
      log(`stand-ins content ${hash} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    await removeUnusedSites(root, dir);
    return (await read())!;
  });
}

async function buildSite(out: string, hash: string, hostImage: string, doubles: Map<string, string>, log: (line: string) => void): Promise<SiteManifest> {
  const clients = await kubeClients();
  const packages: Record<string, string> = {};
  const note = (deb: string) => {
    const [name, version] = deb.split('/').pop()!.split('_');
    packages[name!] = version!;
  };

  // pkgs.k8s.io: a flat repository, the debs under amd64/ as OBS lays them out.
  log('stand-ins: packaging kubectl, helm, the doubles\' runtime and the doubles');
  const k8sRoot = join(out, PATHS.kubernetesApt);
  const k8sDebs = join(k8sRoot, 'amd64');
  await mkdir(k8sDebs, { recursive: true });
  const k8sSpecs = kubernetesPackages(clients, doubles);
  const needsRuntime = k8sSpecs.some((s) => s.depends?.some((d) => d.startsWith('meshbook-double-runtime'))) || doubles.has('cilium');
  const builtK8s = await Promise.all([...k8sSpecs, ...(needsRuntime ? [runtimePackage()] : [])].map((spec) => buildDeb(spec, k8sDebs)));
  builtK8s.forEach(note);
  const k8sIndexes = await writePackages(k8sRoot, await Promise.all(builtK8s.map((deb) => packagesStanza(deb, k8sRoot))));
  await writeRelease(k8sRoot, { origin: 'meshbook lab (pkgs.k8s.io)', label: 'meshbook lab core:stable:v1.31', description: 'pkgs.k8s.io stand-in' }, k8sIndexes);

  // Helm's repository: `deb URL all main`, pool/ beside dists/.
  const helmRoot = join(out, PATHS.helmApt);
  const helmPool = join(helmRoot, 'pool/main/h/helm');
  await mkdir(helmPool, { recursive: true });
  const helmDeb = await buildDeb(helmPackage(clients), helmPool);
  note(helmDeb);
  const helmIndexes = await writePackages(join(helmRoot, 'dists/all/main/binary-amd64'), [await packagesStanza(helmDeb, helmRoot)]);
  await writeRelease(
    join(helmRoot, 'dists/all'),
    { origin: 'meshbook lab (Helm)', label: 'meshbook lab helm stable', suite: 'all', codename: 'all', components: ['main'], description: "Helm's apt repository stand-in" },
    helmIndexes,
  );

  // Docker's repository: `deb URL bookworm stable`, its pool inside dists/<suite>/ as Docker's is.
  log('stand-ins: repackaging Debian\'s containerd as containerd.io');
  const dockerRoot = join(out, PATHS.dockerApt);
  const dockerPool = join(dockerRoot, `dists/${DOCKER_SUITE}/pool/stable/amd64`);
  await buildContainerdIo(hostImage, dockerPool);
  const containerdDeb = join(dockerPool, (await readdir(dockerPool)).find((f) => f.startsWith('containerd.io_'))!);
  note(containerdDeb);
  const dockerIndexes = await writePackages(join(dockerRoot, `dists/${DOCKER_SUITE}/stable/binary-amd64`), [await packagesStanza(containerdDeb, dockerRoot)]);
  await writeRelease(
    join(dockerRoot, `dists/${DOCKER_SUITE}`),
    { origin: 'meshbook lab (Docker)', label: 'meshbook lab docker-ce', suite: DOCKER_SUITE, codename: DOCKER_SUITE, components: ['stable'], description: "Docker's apt repository stand-in" },
    dockerIndexes,
  );

  // cilium-cli's GitHub release: only when the cilium double exists (never a placeholder).
  const cilium = doubles.get('cilium');
  if (cilium) {
    const release = join(out, PATHS.ciliumCliReleases, CILIUM_CLI_VERSION);
    await mkdir(release, { recursive: true });
    await writeFile(join(release, 'cilium'), ciliumExecutable(await readFile(cilium, 'utf8')), { mode: 0o755 });
    await runTool('tar', ['--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-czf', 'cilium-linux-amd64.tar.gz', 'cilium'], { cwd: release });
    await rm(join(release, 'cilium'));
    const sum = (await runTool('sha256sum', ['cilium-linux-amd64.tar.gz'], { cwd: release })).trim();
    await writeFile(join(release, 'cilium-linux-amd64.tar.gz.sha256sum'), `${sum}\n`);
    await mkdir(join(out, PATHS.ciliumCliStable, '..'), { recursive: true });
    await writeFile(join(out, PATHS.ciliumCliStable), `${CILIUM_CLI_VERSION}\n`);
  }

  log('stand-ins: packaging the cilium and metallb charts');
  await mkdir(join(out, PATHS.ciliumCharts), { recursive: true });
  await buildChartRepository(
    clients.helm,
    CILIUM_CHART_VERSIONS.map((version) => ({ source: 'cilium', version, appVersion: version, values: `values-${version.split('.').slice(0, 2).join('.')}.yaml` })),
    join(out, PATHS.ciliumCharts),
  );
  await mkdir(join(out, PATHS.metallbCharts), { recursive: true });
  await buildChartRepository(
    clients.helm,
    METALLB_CHART_VERSIONS.map((version) => ({ source: 'metallb', version, appVersion: `v${version}`, values: 'values-default.yaml' })),
    join(out, PATHS.metallbCharts),
  );

  return {
    hash,
    releases: [
      { release: `${PATHS.kubernetesApt}Release`, signer: 'kubernetes' },
      { release: `${PATHS.helmApt}dists/all/Release`, signer: 'helm' },
      { release: `${PATHS.dockerApt}/dists/${DOCKER_SUITE}/Release`, signer: 'docker' },
    ],
    packages,
    unpackaged: [...doubles.keys()].filter((name) => !PACKAGED_DOUBLES.has(name)).sort(),
    ciliumCli: Boolean(cilium),
  };
}

/** Everything the site is made of, hashed: a change to any input builds a new site. */
async function siteHash(hostImage: string, doubles: Map<string, string>): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ SITE_FORMAT, KUBECTL_VERSION, HELM_VERSION, node: process.version, nodeSize: (await stat(process.execPath)).size, hostImage }));
  for (const [name, path] of [...doubles].sort()) hash.update(`${name}\0`).update(await readFile(path));
  for (const unit of [KUBELET_UNIT, KUBEADM_DROP_IN]) {
    const file = doublesUnitFile(unit);
    if (file) hash.update(unit).update(await readFile(file));
  }
  for (const entry of (await readdir(CHARTS_SOURCE_DIR, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort()) {
    hash.update(entry.slice(CHARTS_SOURCE_DIR.length)).update(await readFile(entry));
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * Earlier sites that no stand-ins container (running or stopped) serves, except the newest few:
 * switching between branches with and without built doubles then rebuilds nothing.
 */
async function removeUnusedSites(root: string, keep: string): Promise<void> {
  const KEEP_UNUSED = 2;
  const containers = await docker().listContainers({ all: true, filters: { label: [LABEL_SITE] } });
  const inUse = new Set(containers.map((c) => c.Labels[LABEL_SITE]));
  const unused: Array<{ path: string; mtime: number }> = [];
  for (const entry of await readdir(root)) {
    const path = join(root, entry);
    if (!entry.startsWith('site-') || path === keep || entry.endsWith('.tmp') || inUse.has(entry.slice('site-'.length))) continue;
    unused.push({ path, mtime: (await stat(path)).mtimeMs });
  }
  unused.sort((a, b) => b.mtime - a.mtime);
  for (const { path } of unused.slice(KEEP_UNUSED)) await rm(path, { recursive: true, force: true });
}
