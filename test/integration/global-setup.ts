import { assertDockerAvailable, ensureImage, removeStaleFleets } from '@meshbook/fleet';

/**
 * Runs once before any integration test file: checks docker, clears fleets left by crashed runs
 * and builds the host image, so test files only start containers. Any failure here fails the
 * run loudly: an integration suite that silently skips would let CI pass without testing hosts.
 */
export default async function setup(): Promise<void> {
  await assertDockerAvailable();
  await removeStaleFleets();
  const started = Date.now();
  const tag = await ensureImage((line) => console.log(`[host image] ${line}`));
  console.log(`[host image] ${tag} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
