export { FakeTransport } from './fake-transport.js';
export type { FakeCommandHandler, FakeFile, FakeOperation, FakeReply, FakeTransportOptions } from './fake-transport.js';
export { fakeInventory } from './fake-inventory.js';
export { FakeHosts, fakeHosts } from './fake-hosts.js';
export type { FakeHostsOptions } from './fake-hosts.js';
export { MemoryStream, syntheticRun } from './synthetic-events.js';
