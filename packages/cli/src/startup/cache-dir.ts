import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * `node_modules/.cache/meshbook/<name>` of the nearest directory at or above `from` that has a
 * node_modules (the convention of babel-loader and eslint), or undefined when none has one.
 */
export function nearestCacheDir(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (statSync(join(dir, 'node_modules'), { throwIfNoEntry: false })?.isDirectory()) return join(dir, 'node_modules', '.cache', 'meshbook', name);
    if (dirname(dir) === dir) return undefined;
  }
}
