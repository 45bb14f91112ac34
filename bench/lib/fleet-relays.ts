import { writeFile } from 'node:fs/promises';
import type { Fleet } from '../../packages/fleet/src/index.ts';
import type { RelayPorts } from './inventory.js';
import { startLatencyRelay, type LatencyRelay } from './latency-relay.js';

/** One latency relay per host of a fleet, in front of its SSH port. */
export interface FleetRelays extends RelayPorts {
  rttMs: number;
  /** Turns per host since the last reset (each relay counts its own host's). */
  turnsPerHost(): Record<string, number>;
  resetTurns(): void;
  close(): Promise<void>;
}

export async function startFleetRelays(fleet: Fleet, rttMs: number, knownHostsPath: string): Promise<FleetRelays> {
  const relays = new Map<string, LatencyRelay>();
  try {
    for (const h of fleet.hosts) relays.set(h.name, await startLatencyRelay({ host: '127.0.0.1', port: h.port }, rttMs));
  } catch (error) {
    await Promise.all([...relays.values()].map((r) => r.close()));
    throw error;
  }
  // The same host keys, under the port each host is now reached by: strict checking stays on.
  const lines = fleet.hosts.flatMap((h) => h.knownHostsLines.map((line) => line.replace(`[127.0.0.1]:${h.port} `, `[127.0.0.1]:${relays.get(h.name)!.port} `)));
  await writeFile(knownHostsPath, `${lines.join('\n')}\n`);
  return {
    rttMs,
    knownHostsPath,
    portOf: (host) => relays.get(host)!.port,
    turnsPerHost: () => Object.fromEntries([...relays].map(([name, r]) => [name, r.turns()])),
    resetTurns: () => relays.forEach((r) => r.resetTurns()),
    close: async () => {
      await Promise.all([...relays.values()].map((r) => r.close()));
    },
  };
}
