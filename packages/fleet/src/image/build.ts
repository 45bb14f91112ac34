import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { docker, statusCodeOf } from '../docker.js';
import { LABEL_BUILD } from '../labels.js';
import { cacheDir } from './cache.js';
import { withLock } from './lock.js';
import { ensureRootfsTarball } from './rootfs.js';
import { IMAGE_REPOSITORY, SETUP_SCRIPT, baseImageTag, imageTag, recipeHash } from './recipe.js';

type Log = (line: string) => void;

/**
 * Returns the host image's tag, building what this recipe lacks: the base image from a
 * debootstrapped root file system (minutes, cached as a tarball), then the setup script run in a
 * container of it and committed (seconds). Safe to call from several processes at once: one
 * builds, the others wait for its lock and then find the image.
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
      const base = await ensureBaseImage(onLog);
      onLog(`running the setup script on ${base}`);
      await commitSetup(base, tag);
      await removeOutdatedImages(tag);
      onLog(`host image ${tag} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return tag;
    },
  );
}

async function ensureBaseImage(onLog: Log): Promise<string> {
  const tag = baseImageTag();
  if (await imageExists(tag)) return tag;
  const tarball = await ensureRootfsTarball(onLog);
  onLog(`importing ${tarball} as ${tag}`);
  const [repo, version] = tag.split(':');
  const stream = await docker().importImage(tarball, { repo, tag: version });
  await followProgress(stream);
  if (!(await imageExists(tag))) throw new Error(`docker import finished but ${tag} does not exist`);
  return tag;
}

/** Runs the setup script in a throwaway container of the base image and commits the result. */
async function commitSetup(base: string, tag: string): Promise<void> {
  const container = await docker().createContainer({
    Image: base,
    Cmd: ['/bin/sh', '-c', SETUP_SCRIPT],
    Labels: { [LABEL_BUILD]: recipeHash() },
    NetworkDisabled: true,
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const logs = (await container.logs({ stdout: true, stderr: true })).toString();
      throw new Error(`the image setup script failed (exit ${StatusCode}):\n${logs}`);
    }
    const [repo, version] = tag.split(':');
    await container.commit({
      repo,
      tag: version,
      // systemd is PID 1. No STOPSIGNAL: it is set per container (this engine's import rejects it).
      changes: ['CMD ["/lib/systemd/systemd"]', `LABEL meshbook.recipe=${recipeHash()}`],
    });
  } finally {
    await container.remove({ force: true });
  }
}

/** Earlier recipes' host images; one still used by a container stays (docker refuses). */
async function removeOutdatedImages(current: string): Promise<void> {
  const images = await docker().listImages({ filters: { reference: [`${IMAGE_REPOSITORY}:*`] } });
  for (const image of images) {
    if (image.RepoTags?.includes(current)) continue;
    for (const tag of image.RepoTags ?? []) {
      await docker().getImage(tag).remove().catch(() => {});
    }
  }
}

export async function imageExists(tag: string): Promise<boolean> {
  try {
    await docker().getImage(tag).inspect();
    return true;
  } catch (error) {
    if (statusCodeOf(error) === 404) return false;
    throw error;
  }
}

function followProgress(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker().modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failure = error ?? events.find((event) => event.error)?.error;
      if (failure) reject(failure instanceof Error ? failure : new Error(`docker: ${failure}`));
      else resolve();
    });
  });
}
