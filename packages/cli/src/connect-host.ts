import { createTransport } from '@meshbook/engine';
import type { ConnectOptions, InventoryHost, Transport } from '@meshbook/engine';

/** Opens a host's connection through createTransport (local or SSH). */
export async function connectHost(host: InventoryHost, options: ConnectOptions = {}): Promise<Transport> {
  return createTransport(host.name, host.connection, options);
}
