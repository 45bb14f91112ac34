import { afterAll, beforeAll } from 'vitest';
import { startFleet, type Fleet, type FleetOptions } from '@meshbook/fleet';

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
