import type { InventoryHost } from '../inventory/types.js';
import type { ConnectOptions, Transport } from '../transport/types.js';

/**
 * Opens a host's connection through createTransport (local or SSH). Imported on first use, so
 * listings, --syntax-check and `inventory` never load ssh2.
 */
export async function connectHost(host: InventoryHost, options: ConnectOptions = {}): Promise<Transport> {
  const { createTransport } = await import('../transport/connect.js');
  return createTransport(host.name, host.connection, options);
}
