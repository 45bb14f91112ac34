import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A short hash of the built JavaScript meshbook runs (packages/engine and packages/modules dist,
 * their bundles included: the CLI runs the bundles).
 * Other engineers rebuild the tree while the bench runs; samples carry this so a report never mixes
 * two engines in one median unknowingly.
 */
export async function engineBuild(repoRoot: string): Promise<string> {
  const hash = createHash('sha256');
  for (const pkg of ['engine', 'modules']) {
    const dist = join(repoRoot, 'packages', pkg, 'dist');
    const files = (await readdir(dist, { recursive: true })).filter((f) => f.endsWith('.js') || f.endsWith('.cjs')).sort();
    for (const file of files) hash.update(file).update(await readFile(join(dist, file)));
  }
  return hash.digest('hex').slice(0, 12);
}
