import type { ConnectionSpec, InventoryHost } from '../inventory/types.js';
import { LocalTransport } from '../transport/local.js';
import type { Transport } from '../transport/types.js';

type CreateTransport = (name: string, spec: ConnectionSpec) => Promise<Transport>;

// Loaded on first SSH use only, so local-only runs and listings never load ssh2.
// (Bound at run time while transport/connect.ts lands; becomes a static import then.)
let createTransport: Promise<CreateTransport> | undefined;

/** Opens a host's connection: the controller itself for `ansible_connection: local`, SSH otherwise. */
export async function connectHost(host: InventoryHost): Promise<Transport> {
  if (host.connection.connection === 'local') return new LocalTransport(host.name);
  createTransport ??= import(new URL('../transport/connect.js', import.meta.url).href).then(
    (m: { createTransport: CreateTransport }) => m.createTransport,
  );
  return (await createTransport)(host.name, host.connection);
}
