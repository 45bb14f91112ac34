import { MeshbookError, toMeshbookError } from '../errors.js';
import { FactCache } from '../module/facts.js';
import { hostFacts } from '../module/host-facts.js';
import type { HostFacts } from '../module/host-facts.js';
import { LocalTransport } from '../transport/local.js';
import { checkBack, connectUntilBack } from '../transport/reconnect-policy.js';
import type { HostLockRequest } from '../transport/host-lock.js';
import type { ConnectOptions, HostBackWait, Transport } from '../transport/types.js';
import { DEFAULT_HOST_LOCK_WAIT_MS, lockHost, runLockIdentity } from './host-lock.js';
import type { EventSink } from './event-sink.js';
import type { RunPlaybookOptions } from './options.js';
import type { HostRuntime } from './run-hosts.js';

/** How often a run opens a host's connection again after it dropped between tasks, before it gives up on the host. */
const MAX_RECONNECTS = 3;

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
    host.connection ??= this.#open(host);
    const current = host.connection;
    return current.then((target) => {
      const loss = target.transport.lost;
      if (!loss) return target;
      // Another caller found the loss first and is reconnecting.
      if (host.connection !== current) return this.of(host);
      // A command was running when it went: its outcome is unknown, so nothing more runs there.
      if (loss.duringCommand) throw loss.error;
      if ((host.reconnects ?? 0) >= MAX_RECONNECTS) {
        throw new MeshbookError('UNREACHABLE', `${loss.error.message} (after ${MAX_RECONNECTS} reconnects in this run, no more)`, { host: host.name, hint: loss.error.hint, cause: loss.error });
      }
      // Dropped between tasks: nothing was under way, so the next task is safe to run on a new connection.
      host.reconnects = (host.reconnects ?? 0) + 1;
      return this.reconnect(host, loss.error.message);
    });
  }

  /**
   * The one way a host's connection is opened again. Closes it and opens a new one: the host lock
   * is taken again, every fact cached for the host is dropped (the host facts, and what the old
   * connection's cache held or had fetched ahead: another run may have changed the host while it
   * was unlocked, or it rebooted), the old connection's round trips stay counted, and a
   * host.reconnect event says so. `of` calls it for a connection found dropped between tasks (one
   * attempt); a module that ended the connection on purpose (ModuleContext.reconnect: a reboot)
   * with `wait`: connecting is tried again until the host answers or the wait runs out. A failed
   * reconnect rejects with the connect error (UNREACHABLE, HOST_LOCKED, ...).
   */
  reconnect(host: HostRuntime, reason: string, wait?: HostBackWait): Promise<Target> {
    const previous = host.connection;
    host.facts = undefined;
    host.connection = (async () => {
      const old = await previous?.catch(() => undefined);
      if (old) {
        host.earlierRoundTrips = (host.earlierRoundTrips ?? 0) + old.transport.stats().roundTrips;
        await old.transport.close().catch(() => undefined);
      }
      const target = await (wait ? this.#openWithin(host, wait) : this.#open(host)).catch((error: unknown) => {
        const cause = toMeshbookError(error, 'UNREACHABLE', host.name);
        throw new MeshbookError(cause.code, `reconnecting to ${host.name} (${reason}) failed: ${cause.message}`, { host: host.name, hint: cause.hint, cause });
      });
      this.events.emit({ type: 'host.reconnect', host: host.name, reason });
      return target;
    })();
    return host.connection;
  }

  /** Connects until the host answers (it is on its way back) or the wait runs out: the transport's own retry policy. */
  #openWithin(host: HostRuntime, wait: HostBackWait): Promise<Target> {
    return connectUntilBack(host.name, wait, async () => {
      const target = await this.#open(host);
      try {
        await checkBack(target.transport, wait.ready);
      } catch (error) {
        await target.transport.close().catch(() => undefined);
        throw error;
      }
      return target;
    });
  }

  #open(host: HostRuntime): Promise<Target> {
    const lockRequest = this.#lockRequest;
    const connectOptions: ConnectOptions = {
      ...(lockRequest ? { hostLock: lockRequest } : {}),
      onNotice: (message) => this.events.emit({ type: 'warning', host: host.name, message }),
      onDebug: (message) => this.events.emit({ type: 'host.debug', host: host.name, message }),
    };
    return this.options.connect(host.inventoryHost, connectOptions).then(async (transport) => {
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
      host.counts.roundTrips = (host.earlierRoundTrips ?? 0) + (target?.transport.stats().roundTrips ?? 0);
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
