import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { docker } from '../docker.js';
import { LABEL_BUILD } from '../labels.js';
import { ensureImage, imageExists } from './build.js';
import { cacheDir } from './cache.js';
import { withLock } from './lock.js';

/**
 * The lab's image: the host image (same cached rootfs) without what the seed playbooks install,
 * so a fresh lab is as bare as a fresh cloud host and the first run really installs them. The test
 * fleet keeps the baked packages: module tests should not wait for apt.
 */
export const LAB_IMAGE_REPOSITORY = 'meshbook-lab-host';

/** Installed by the playbooks (and baked into the test image); the lab starts without them. */
export const PLAYBOOK_PACKAGES = ['wireguard-tools', 'wireguard-go', 'containerd', 'runc'] as const;

const BARE_SCRIPT = `set -eu
export DEBIAN_FRONTEND=noninteractive
dpkg --purge ${PLAYBOOK_PACKAGES.join(' ')}
rm -rf /etc/containerd /etc/wireguard
apt-get clean
rm -rf /var/lib/apt/lists/*
`;

export function labImageTag(hostImage: string): string {
  const hash = createHash('sha256').update(JSON.stringify({ hostImage, script: BARE_SCRIPT })).digest('hex').slice(0, 12);
  return `${LAB_IMAGE_REPOSITORY}:${hash}`;
}

/** Returns the lab image's tag, building it from the host image when this recipe lacks it (seconds). */
export async function ensureLabImage(onLog: (line: string) => void = () => {}): Promise<string> {
  const hostImage = await ensureImage(onLog);
  const tag = labImageTag(hostImage);
  if (await imageExists(tag)) return tag;
  return withLock(
    join(cacheDir(), 'lab-image-build.lock'),
    () => onLog('another process is building the lab image; waiting for it'),
    async () => {
      if (await imageExists(tag)) return tag;
      onLog(`building ${tag}: ${hostImage} without ${PLAYBOOK_PACKAGES.join(', ')}`);
      await commitBare(hostImage, tag);
      await removeOutdatedLabImages(tag);
      return tag;
    },
  );
}

async function commitBare(hostImage: string, tag: string): Promise<void> {
  const container = await docker().createContainer({
    Image: hostImage,
    Cmd: ['/bin/sh', '-c', BARE_SCRIPT],
    Labels: { [LABEL_BUILD]: tag },
    NetworkDisabled: true,
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const logs = (await container.logs({ stdout: true, stderr: true })).toString();
      throw new Error(`the lab image script failed (exit ${StatusCode}):\n${logs}`);
    }
    const [repo, version] = tag.split(':');
    await container.commit({ repo, tag: version, changes: ['CMD ["/lib/systemd/systemd"]'] });
  } finally {
    await container.remove({ force: true });
  }
}

async function removeOutdatedLabImages(current: string): Promise<void> {
  const images = await docker().listImages({ filters: { reference: [`${LAB_IMAGE_REPOSITORY}:*`] } });
  for (const image of images) {
    if (image.RepoTags?.includes(current)) continue;
    for (const tag of image.RepoTags ?? []) await docker().getImage(tag).remove().catch(() => {});
  }
}
