export { FakeTransport } from './fake-transport.js';
export type { FakeCommandHandler, FakeFile, FakeOperation, FakeReply, FakeTransportOptions } from './fake-transport.js';
export { fakeInventory } from './fake-inventory.js';
export { FakeFleet, fakeFleet } from './fake-fleet.js';
export type { FakeFleetOptions } from './fake-fleet.js';
