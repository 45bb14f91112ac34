import { FactCache } from '../module/facts.js';
import { hostFacts } from '../module/host-facts.js';
import type { HostFacts } from '../module/host-facts.js';
import { LocalTransport } from '../transport/local.js';
import type { HostLockRequest } from '../transport/host-lock.js';
import type { ConnectOptions, Transport } from '../transport/types.js';
import { DEFAULT_HOST_LOCK_WAIT_MS, lockHost, runLockIdentity } from './host-lock.js';
import type { EventSink } from './event-sink.js';
import type { RunPlaybookOptions } from './options.js';
import type { HostRuntime } from './run-hosts.js';

/** Where a task's commands go: the host's own connection, or the one it is delegated to. */
export interface Target {
  transport: Transport;
  facts: FactCache;
}

/** The run's connections: one per host, opened at its first use and locked; one to the controller. */
export class Connections {
  readonly #lockRequest: HostLockRequest | undefined;
  #local: Promise<Target> | undefined;

  constructor(
    private readonly options: Pick<RunPlaybookOptions, 'connect' | 'hostLock' | 'hostLockWaitMs' | 'localTransport'>,
    private readonly events: EventSink,
    /** Bounds fact commands: fires after an interrupt's grace period. */
    private readonly signal: AbortSignal,
  ) {
    this.#lockRequest = options.hostLock === false ? undefined : runLockIdentity(options.hostLockWaitMs ?? DEFAULT_HOST_LOCK_WAIT_MS);
  }

  /**
   * The host's connection, opened once at its first use and locked against other runs before
   * anything runs on it (SSH takes the lock while connecting; lockHost then reports what it found);
   * a failure rejects with the connect (or HOST_LOCKED) error.
   */
  of(host: HostRuntime): Promise<Target> {
    const lockRequest = this.#lockRequest;
    const connectOptions: ConnectOptions = {
      ...(lockRequest ? { hostLock: lockRequest } : {}),
      onNotice: (message) => this.events.emit({ type: 'warning', host: host.name, message }),
      onDebug: (message) => this.events.emit({ type: 'host.debug', host: host.name, message }),
    };
    host.connection ??= this.options.connect(host.inventoryHost, connectOptions).then(async (transport) => {
      if (lockRequest) {
        try {
          const warning = await lockHost(transport, lockRequest);
          if (warning) this.events.emit({ type: 'warning', message: warning });
        } catch (error) {
          await transport.close().catch(() => undefined);
          throw error;
        }
      }
      return { transport, facts: new FactCache(transport, { signal: this.signal }) };
    });
    return host.connection;
  }

  /** The controller's own transport, for `delegateTo: 'localhost'`; one per run. */
  local(): Promise<Target> {
    this.#local ??= Promise.resolve(this.options.localTransport ?? new LocalTransport('localhost')).then((transport) => ({
      transport,
      facts: new FactCache(transport, { signal: this.signal }),
    }));
    return this.#local;
  }

  /** The host's facts, read once per run (with the play's batch when prefetch sees who needs them). */
  async hostFacts(host: HostRuntime): Promise<HostFacts> {
    host.facts ??= await (await this.of(host)).facts.get(hostFacts(null));
    return host.facts;
  }

  /** Round trips per host, read before the connections close. */
  async collectRoundTrips(hosts: readonly HostRuntime[]): Promise<void> {
    for (const host of hosts) {
      const target = await host.connection?.catch(() => undefined);
      host.counts.roundTrips = target?.transport.stats().roundTrips ?? 0;
    }
  }

  async close(hosts: readonly HostRuntime[]): Promise<void> {
    const targets = hosts.map((h) => h.connection).concat(this.options.localTransport ? [] : [this.#local]);
    await Promise.allSettled(
      targets.map(async (target) => {
        const opened = await target?.catch(() => undefined);
        await opened?.transport.close();
      }),
    );
  }
}
