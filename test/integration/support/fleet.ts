import { afterAll, beforeAll } from 'vitest';
import { startFleet, type Fleet, type FleetOptions } from '@meshbook/fleet';
import type { SshTransportOptions } from '../../../packages/engine/src/transport/ssh/index.js';

/**
 * A fleet for one test file: started in beforeAll, destroyed in afterAll (also when tests fail).
 * Returns a getter, because the fleet only exists once beforeAll has run:
 *
 *   const fleet = useFleet({ hosts: 2 });
 *   it('...', async () => { const host = fleet().host('node1'); ... });
 */
export function useFleet(options: FleetOptions): () => Fleet {
  let fleet: Fleet | undefined;
  beforeAll(async () => {
    fleet = await startFleet({ purpose: 'test', onLog: (line) => console.log(`[fleet] ${line}`), ...options });
  });
  afterAll(async () => {
    await fleet?.destroy();
  });
  return () => {
    if (!fleet) throw new Error('the fleet is not started: use the getter inside tests or hooks, not at module level');
    return fleet;
  };
}

/**
 * How to reach a fleet host over the engine's SSH transport: root (unless `extra` says otherwise)
 * with the fleet's key, host keys checked strictly against the fleet's known_hosts, and nothing
 * from the developer's own ssh config or agent.
 */
export function fleetSshOptions(fleet: Fleet, name: string, extra: Partial<SshTransportOptions> = {}): SshTransportOptions {
  const host = fleet.host(name);
  return {
    host: name,
    address: host.address,
    port: host.port,
    user: 'root',
    privateKeyFile: fleet.privateKeyPath,
    knownHostsFile: fleet.knownHostsPath,
    agent: false,
    sshConfigFile: false,
    ...extra,
  };
}
