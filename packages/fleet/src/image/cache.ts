import { homedir } from 'node:os';
import { join } from 'node:path';

/** ${XDG_CACHE_HOME:-~/.cache}/meshbook: rootfs tarballs and the build lock. */
export function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'meshbook');
}
