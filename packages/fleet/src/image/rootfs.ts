import { mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../run-command.js';
import { cacheDir } from './cache.js';
import { debianMirror } from './mirror.js';
import { DEBIAN_SUITE, PACKAGES, baseRecipeHash } from './recipe.js';

/** The debootstrapped root file system for this package list, from the cache or built now. */
export async function ensureRootfsTarball(onLog: (line: string) => void): Promise<string> {
  const tarball = join(cacheDir(), `rootfs-${baseRecipeHash()}.tar`);
  if (await exists(tarball)) {
    onLog(`using cached root file system ${tarball}`);
    return tarball;
  }
  await removeOutdatedTarballs(tarball);
  const workDir = await mkdtemp(join(cacheDir(), 'build-'));
  const rootfs = join(workDir, 'rootfs');
  try {
    const mirror = debianMirror();
    onLog(`debootstrap ${DEBIAN_SUITE} from ${mirror} (1 to 2 minutes)`);
    await runCommand(
      'debootstrap',
      ['--variant=minbase', `--include=${PACKAGES.join(',')}`, DEBIAN_SUITE, rootfs, mirror],
      (line) => {
        if (!isPerPackageLine(line)) onLog(`debootstrap: ${line}`);
      },
    );
    const partial = `${tarball}.partial-${process.pid}`;
    // the downloaded .debs are installed already: ~150 MB that every image layer would carry
    await runCommand('tar', ['--numeric-owner', '--exclude=./var/cache/apt/archives/*.deb', '-C', rootfs, '-cf', partial, '.']);
    // rename is atomic: a crash leaves a .partial file, never a truncated tarball under the real name
    await rename(partial, tarball);
    return tarball;
  } finally {
    await unmountUnder(workDir);
    await rm(workDir, { recursive: true, force: true });
  }
}

/** debootstrap prints four lines per package (~1000 here); the stages and warnings are what matter. */
function isPerPackageLine(line: string): boolean {
  return /^I: (Retrieving|Validating) /.test(line) || /^I: (Unpacking|Configuring) [^ ]+\.\.\.$/.test(line);
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
