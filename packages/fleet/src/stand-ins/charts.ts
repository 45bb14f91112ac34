import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool } from './tools.js';

/** The charts' sources: packages/fleet/charts/<name>/ (the same depth from src/ and dist/). */
export const CHARTS_SOURCE_DIR = fileURLToPath(new URL('../../charts', import.meta.url));

export interface ChartBuild {
  /** Source directory under charts/. */
  source: string;
  version: string;
  appVersion: string;
  /** values file in the source directory for this version (it becomes values.yaml). */
  values: string;
}

/**
 * Packages each chart version with the real helm (`helm package`) into `outDir` and indexes them
 * (`helm repo index`, relative URLs, so the content does not depend on the server's name).
 */
export async function buildChartRepository(helm: string, builds: ChartBuild[], outDir: string): Promise<void> {
  const scratch = await mkdtemp(join(outDir, '.charts-'));
  const env = { HELM_CACHE_HOME: join(scratch, 'cache'), HELM_CONFIG_HOME: join(scratch, 'config'), HELM_DATA_HOME: join(scratch, 'data') };
  try {
    for (const build of builds) {
      const dir = join(scratch, `${build.source}-${build.version}`, build.source);
      await cp(join(CHARTS_SOURCE_DIR, build.source), dir, { recursive: true, filter: (path) => !/\/values-[^/]*\.yaml$/.test(path) });
      const chartYaml = (await readFile(join(dir, 'Chart.yaml'), 'utf8'))
        .replace(/^version: .*$/m, `version: ${build.version}`)
        .replace(/^appVersion: .*$/m, `appVersion: ${build.appVersion}`);
      await writeFile(join(dir, 'Chart.yaml'), chartYaml);
      await cp(join(CHARTS_SOURCE_DIR, build.source, build.values), join(dir, 'values.yaml'));
      await runTool(helm, ['package', dir, '--destination', outDir], { env });
    }
    await rm(scratch, { recursive: true, force: true });
    await runTool(helm, ['repo', 'index', outDir], { env });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
