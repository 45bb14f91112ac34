import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { docker, ignoreMissing } from './docker.js';
import { BASE_IMAGE_REPOSITORY } from './image/recipe.js';
import { LABEL_BUILD, LABEL_CREATED, LABEL_FLEET, LABEL_OWNER_HOST, LABEL_OWNER_PID, LABEL_PURPOSE } from './labels.js';

const DEFAULT_MAX_AGE_MS = 3 * 60 * 60_000;
/** A setup container lives for seconds; one this old belongs to a build that died. */
const BUILD_ABANDONED_AFTER_MS = 30 * 60_000;

/**
 * Removes test fleets left behind by crashed runs: those whose owning process is gone, or that
 * are older than maxAgeMs. A fleet owned by a live process (another engineer's test run on the
 * same engine) is left alone. Lab fleets outlive their process on purpose and are never touched.
 */
export async function removeStaleFleets(maxAgeMs: number = DEFAULT_MAX_AGE_MS): Promise<void> {
  const filters = { label: [`${LABEL_PURPOSE}=test`] };
  const containers = await docker().listContainers({ all: true, filters });
  const networks = await docker().listNetworks({ filters });
  const staleFleets = new Set(
    [...containers.map((c) => c.Labels), ...networks.map((n) => n.Labels ?? {})]
      .filter((labels) => isStale(labels, maxAgeMs))
      .map((labels) => labels[LABEL_FLEET])
      .filter((id): id is string => Boolean(id)),
  );
  await Promise.all(
    containers
      .filter((c) => staleFleets.has(c.Labels[LABEL_FLEET] ?? ''))
      .map((c) => ignoreMissing(() => docker().getContainer(c.Id).remove({ force: true, v: true }))),
  );
  await Promise.all(
    networks
      .filter((n: Docker.NetworkInspectInfo) => staleFleets.has(n.Labels?.[LABEL_FLEET] ?? ''))
      .map((n) => ignoreMissing(() => docker().getNetwork(n.Id).remove()).catch((error: unknown) => warnKeptNetwork(n.Name, error))),
  );
  await removeAbandonedBuildContainers();
}

/**
 * Docker sometimes keeps an endpoint of a removed container on a network ("has active endpoints",
 * 403) until the daemon restarts. Such a network holds no host and costs only a subnet: keep it
 * and say so, rather than fail every test run's setup on it.
 */
function warnKeptNetwork(name: string, error: unknown): void {
  if ((error as { statusCode?: number }).statusCode !== 403) throw error;
  console.warn(`[fleet] kept stale network ${name}: ${(error as Error).message}`);
}

/** A build that crashed between running the setup script and committing leaves its container. */
async function removeAbandonedBuildContainers(): Promise<void> {
  const builds = await docker().listContainers({ all: true, filters: { label: [LABEL_BUILD] } });
  // Host images inherit the setup container's labels through `commit`, so the label alone also
  // matches every host: a setup container is the one running the *base* image.
  const abandoned = builds.filter(
    (c) => c.Image.startsWith(`${BASE_IMAGE_REPOSITORY}:`) && Date.now() - c.Created * 1000 > BUILD_ABANDONED_AFTER_MS,
  );
  await Promise.all(abandoned.map((c) => ignoreMissing(() => docker().getContainer(c.Id).remove({ force: true }))));
}

function isStale(labels: Record<string, string>, maxAgeMs: number): boolean {
  const created = Number(labels[LABEL_CREATED] ?? 0);
  if (Date.now() - created > maxAgeMs) return true;
  const pid = Number(labels[LABEL_OWNER_PID]);
  // another machine's process cannot be checked from here (a shared engine): age alone decides
  if (!pid || labels[LABEL_OWNER_HOST] !== hostname()) return false;
  return !isProcessAlive(pid);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
