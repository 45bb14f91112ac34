import { execOrThrow } from '../exec.js';
import type { LabRoute } from './types.js';

/**
 * Forwarding on the lab's router, and routes to networks a host is not on through a host that is
 * (the WireGuard server for the "public" network). Docker forgets routes when a container
 * restarts: `replace` makes this safe to run on every `lab up`.
 */
export async function applyRouting(containerId: string, routes: LabRoute[], forwards = false): Promise<void> {
  // set, not assumed: whether a new network namespace forwards depends on the kernel's defaults
  if (forwards) await execOrThrow(containerId, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  for (const route of routes) {
    await execOrThrow(containerId, ['ip', 'route', 'replace', route.to, 'via', route.via]);
  }
}
