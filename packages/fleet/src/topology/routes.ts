import { execOrThrow } from '../exec.js';
import type { LabRoute } from './types.js';

/**
 * Routes to networks a host is not on, through the host that is (the WireGuard server for the
 * "public" network). Docker forgets them when a container restarts: `replace` makes this safe to
 * run on every `lab up`.
 */
export async function applyRoutes(containerId: string, routes: LabRoute[]): Promise<void> {
  for (const route of routes) {
    await execOrThrow(containerId, ['ip', 'route', 'replace', route.to, 'via', route.via]);
  }
}
