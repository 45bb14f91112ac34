import { MeshbookError } from '../errors.js';
import type { InventoryHost } from '../inventory/types.js';
import type { Transport } from '../transport/types.js';
import { FakeTransport } from './fake-transport.js';
import type { FakeCommandHandler, FakeTransportOptions } from './fake-transport.js';

export interface FakeHostsOptions extends Omit<FakeTransportOptions, 'files'> {
  /** Hosts whose connect fails with UNREACHABLE. */
  unreachable?: readonly string[];
  /** Initial files per host. */
  files?: Record<string, Record<string, string | Buffer>>;
}

/**
 * A `connect` function for runPlaybook backed by FakeTransports, one per host, created at first
 * connect and kept (with how often each host was connected) for assertions.
 */
export class FakeHosts {
  readonly transports = new Map<string, FakeTransport>();
  readonly connects: string[] = [];

  constructor(readonly options: FakeHostsOptions = {}) {}

  readonly connect = async (host: InventoryHost): Promise<Transport> => {
    this.connects.push(host.name);
    if (this.options.unreachable?.includes(host.name)) {
      throw new MeshbookError('UNREACHABLE', `connect to ${host.connection.address}:${host.connection.port} failed: connection refused`, { host: host.name });
    }
    const transport = this.transport(host.name);
    if (transport.closed) transport.reopen();
    return transport;
  };

  /** The host's transport (created on first use, so a test can script it before the run). */
  transport(host: string): FakeTransport {
    let transport = this.transports.get(host);
    if (!transport) {
      transport = new FakeTransport(host, { ...this.options, files: this.options.files?.[host] });
      this.transports.set(host, transport);
    }
    return transport;
  }

  set handler(handler: FakeCommandHandler) {
    this.options.handler = handler;
    for (const t of this.transports.values()) t.handler = handler;
  }
}

export function fakeHosts(options: FakeHostsOptions = {}): FakeHosts {
  return new FakeHosts(options);
}
