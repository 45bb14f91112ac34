import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { docker, statusCodeOf } from '../docker.js';
import { runCommand } from '../run-command.js';
import { withLock } from './lock.js';
import { debianMirror } from './mirror.js';
import { DEBIAN_SUITE, IMAGE_REPOSITORY, PACKAGES, SETUP_SCRIPT, imageTag, recipeHash } from './recipe.js';

type Log = (line: string) => void;

export function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'meshbook');
}

/**
 * Returns the host image's tag, building it when this recipe has no image yet. Safe to call from
 * several processes at once: one builds, the others wait for its lock and then find the image.
 */
export async function ensureImage(onLog: Log = () => {}): Promise<string> {
  const tag = imageTag();
  if (await imageExists(tag)) return tag;
  await mkdir(cacheDir(), { recursive: true });
  return withLock(
    join(cacheDir(), 'image-build.lock'),
    () => onLog('another process is building the host image; waiting for it'),
    async () => {
      if (await imageExists(tag)) return tag;
      const started = Date.now();
      const tarball = await ensureRootfsTarball(onLog);
      onLog(`importing ${tarball} as ${tag}`);
      await importRootfs(tarball, tag);
      onLog(`host image ${tag} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return tag;
    },
  );
}

async function imageExists(tag: string): Promise<boolean> {
  try {
    await docker().getImage(tag).inspect();
    return true;
  } catch (error) {
    if (statusCodeOf(error) === 404) return false;
    throw error;
  }
}

/** The rootfs tarball for this recipe, from the cache or from a fresh debootstrap. */
async function ensureRootfsTarball(onLog: Log): Promise<string> {
  const tarball = join(cacheDir(), `rootfs-${recipeHash()}.tar`);
  if (await exists(tarball)) {
    onLog(`using cached root file system ${tarball}`);
    return tarball;
  }
  await removeOutdatedTarballs(tarball);
  const workDir = await mkdtemp(join(cacheDir(), 'build-'));
  const rootfs = join(workDir, 'rootfs');
  try {
    const mirror = debianMirror();
    onLog(`debootstrap ${DEBIAN_SUITE} from ${mirror} (about 2 minutes)`);
    await runCommand(
      'debootstrap',
      ['--variant=minbase', `--include=${PACKAGES.join(',')}`, DEBIAN_SUITE, rootfs, mirror],
      (line) => onLog(`debootstrap: ${line}`),
    );
    onLog('configuring the root file system');
    await writeFile(join(rootfs, 'tmp/meshbook-setup.sh'), SETUP_SCRIPT);
    await runCommand('chroot', [rootfs, '/bin/sh', '/tmp/meshbook-setup.sh'], (line) => onLog(`setup: ${line}`));
    await rm(join(rootfs, 'tmp/meshbook-setup.sh'));
    const partial = `${tarball}.partial-${process.pid}`;
    await runCommand('tar', ['--numeric-owner', '-C', rootfs, '-cf', partial, '.']);
    // rename is atomic: a crash leaves a .partial file, never a truncated tarball under the real name
    await rename(partial, tarball);
    return tarball;
  } finally {
    await unmountUnder(workDir);
    await rm(workDir, { recursive: true, force: true });
  }
}

async function importRootfs(tarball: string, tag: string): Promise<void> {
  const [repo, version] = tag.split(':');
  const stream = await docker().importImage(createReadStream(tarball), {
    repo,
    tag: version,
    // systemd is PID 1. No STOPSIGNAL here: this engine's import rejects it (containers set StopSignal).
    changes: ['CMD ["/lib/systemd/systemd"]', `LABEL meshbook.recipe=${recipeHash()}`],
  });
  await new Promise<void>((resolve, reject) => {
    docker().modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failure = error ?? events.find((event) => event.error)?.error;
      if (failure) reject(failure instanceof Error ? failure : new Error(`docker import failed: ${failure}`));
      else resolve();
    });
  });
  if (!(await imageExists(tag))) throw new Error(`docker import finished but ${tag} does not exist`);
}

async function removeOutdatedTarballs(current: string): Promise<void> {
  for (const file of await readdir(cacheDir())) {
    const path = join(cacheDir(), file);
    if (file.startsWith('rootfs-') && path !== current) await rm(path, { force: true });
  }
}

/** debootstrap mounts /proc and /sys inside the rootfs; never rm -rf across a live mount. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await runCommand('umount', ['-l', point]);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export { IMAGE_REPOSITORY };
