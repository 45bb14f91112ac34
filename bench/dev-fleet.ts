// Dev helper (not part of the bench): keeps an N-host fleet up with python3-apt and an inventory
// until killed, for iterating on meshbook run times by hand. `node --import tsx bench/dev-fleet.ts N
// [INVENTORY]`: the inventory goes to INVENTORY, default /tmp/dev/inventory-N.json (shared by
// everyone on the machine: give a path of your own when others may run it too).
import { join } from 'node:path';
import { startFleet } from '../packages/fleet/src/index.ts';
import { installPythonApt } from './lib/hosts.js';
import { writeInventory } from './lib/inventory.js';

const hosts = Number(process.argv[2] ?? 1);
const fleet = await startFleet({ hosts, prefix: `bench-dev${hosts}`, purpose: 'test' });
await installPythonApt(fleet, join(process.cwd(), 'bench/results/raw/debs'));
const inventory = process.argv[3] ?? `/tmp/dev/inventory-${hosts}.json`;
await writeInventory(fleet, 'meshbook', inventory);
console.log(`ready: ${inventory}`);
const stop = () => void fleet.destroy().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => undefined, 1 << 30);
