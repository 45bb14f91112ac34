import { readFile } from 'node:fs/promises';
import type { Fleet } from '../../packages/fleet/src/index.ts';

/** meshbook: the `--json` recap's per-host `roundTrips` (the SSH transport's own count). */
export async function meshbookRoundTrips(jsonLinesPath: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await readFile(jsonLinesPath, 'utf8')).split('\n')) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as { type: string; hosts?: Record<string, { roundTrips: number }> };
    if (event.type !== 'recap' || !event.hosts) continue;
    for (const [host, c] of Object.entries(event.hosts)) counts[host] = (counts[host] ?? 0) + c.roundTrips;
  }
  return counts;
}

/**
 * Ansible: one line per ssh/sftp/scp client its connection plugin started (logged by the counting
 * wrappers), attributed to a host by the port in its arguments. Each client is one SSH session on
 * the host (command exec or file transfer over the ControlMaster): at least one round trip, usually
 * more at the protocol level, so this count is a lower bound in Ansible's favour. Mitogen keeps one
 * SSH connection per host and multiplexes everything over it: about 1 here; the latency relay's turn
 * count is the comparable figure for it.
 */
export async function ansibleSessions(sessionLogPath: string, byPort: ReadonlyMap<string, string>, fleet: Fleet): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(fleet.hosts.map((h) => [h.name, 0]));
  for (const line of (await readFile(sessionLogPath, 'utf8')).split('\n')) {
    const port = line.match(/\bPort=(\d+)/)?.[1] ?? line.match(/ -[pP] (\d+)\b/)?.[1];
    const host = port ? byPort.get(port) : undefined;
    if (host) counts[host]! += 1;
  }
  return counts;
}
