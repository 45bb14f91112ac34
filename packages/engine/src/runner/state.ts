import PQueue from 'p-queue';
import { MeshbookError } from '../errors.js';
import type { HostCounts, MeshbookEvent } from '../events/types.js';
import type { InventoryHost } from '../inventory/types.js';
import { FactCache } from '../module/facts.js';
import { redactDeep } from '../secret.js';
import { LocalTransport } from '../transport/local.js';
import type { HostLockRequest } from '../transport/host-lock.js';
import type { ConnectOptions, Transport } from '../transport/types.js';
import { DEFAULT_HOST_LOCK_WAIT_MS, lockHost, runLockIdentity } from './host-lock.js';
import { groupMembers } from './hosts.js';
import type { RunPlaybookOptions } from './options.js';
import type { TaskResult } from './types.js';

type WithoutTime<E> = E extends MeshbookEvent ? Omit<E, 'time'> : never;
export type EventInput = WithoutTime<MeshbookEvent>;

/** Where a task's commands go: the host's own connection, or the one it is delegated to. */
export interface Target {
  transport: Transport;
  facts: FactCache;
}

/** One host's state for the whole run. */
export interface HostRuntime {
  readonly name: string;
  readonly inventoryHost: InventoryHost;
  readonly counts: HostCounts;
  /** 'failed' and 'unreachable' hosts take no further part in the run. */
  state: 'live' | 'failed' | 'unreachable';
  /** Registered results by name; they outlive the play, as in Ansible. */
  readonly registered: Map<string, TaskResult>;
  connection?: Promise<Target>;
}

export const emptyCounts = (): HostCounts => ({ ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, ignored: 0, roundTrips: 0 });

/** Everything a run shares: hosts, connections, the forks queue, events, interruption. */
export class RunState {
  readonly hosts = new Map<string, HostRuntime>();
  readonly queue: PQueue;
  readonly groups: Record<string, string[]>;
  readonly check: boolean;
  readonly diff: boolean;
  readonly graceMs: number;
  readonly unknownState = new Set<string>();
  /** Set on SIGINT (the signal): exit code INTERRUPTED. */
  interrupted: string | undefined;
  /** Set when the run stops early for any reason; no new task starts. */
  stopped: string | undefined;
  /** Fires graceMs after the interrupt: commands still running are aborted then. */
  readonly #hardStop = new AbortController();
  #graceTimer: NodeJS.Timeout | undefined;
  #local: Promise<Target> | undefined;
  readonly #onSignal = () => this.#interrupt();
  readonly #lockRequest: HostLockRequest | undefined;

  constructor(readonly options: RunPlaybookOptions) {
    this.queue = new PQueue({ concurrency: Math.max(1, options.forks ?? 16) });
    this.groups = groupMembers(options.inventory);
    this.check = options.check === true;
    this.diff = options.diff === true;
    this.graceMs = options.graceMs ?? 10_000;
    this.#lockRequest = options.hostLock === false ? undefined : runLockIdentity(options.hostLockWaitMs ?? DEFAULT_HOST_LOCK_WAIT_MS);
    if (options.signal?.aborted) this.#interrupt();
    else options.signal?.addEventListener('abort', this.#onSignal, { once: true });
  }

  /** The signal handed to modules: it fires only after the grace period, so short commands finish. */
  get commandSignal(): AbortSignal {
    return this.#hardStop.signal;
  }

  emit(event: EventInput): void {
    // Redacted here, once, so no event can carry a secret's text out of the engine.
    this.options.events?.emit(redactDeep({ ...event, time: Date.now() }) as MeshbookEvent);
  }

  host(name: string): HostRuntime {
    let runtime = this.hosts.get(name);
    if (!runtime) {
      const inventoryHost = this.options.inventory.hosts.get(name);
      if (!inventoryHost) throw new MeshbookError('INTERNAL', `host "${name}" is not in the inventory`);
      runtime = { name, inventoryHost, counts: emptyCounts(), state: 'live', registered: new Map() };
      this.hosts.set(name, runtime);
    }
    return runtime;
  }

  /**
   * The host's connection, opened once at its first use and locked against other runs before
   * anything runs on it (SSH takes the lock while connecting; lockHost then reports what it found);
   * a failure rejects with the connect (or HOST_LOCKED) error.
   */
  connection(host: HostRuntime): Promise<Target> {
    const connectOptions: ConnectOptions = {
      ...(this.#lockRequest ? { hostLock: this.#lockRequest } : {}),
      onNotice: (message) => this.emit({ type: 'warning', host: host.name, message }),
      onDebug: (message) => this.emit({ type: 'host.debug', host: host.name, message }),
    };
    host.connection ??= this.options.connect(host.inventoryHost, connectOptions).then(async (transport) => {
      if (this.#lockRequest) {
        try {
          const warning = await lockHost(transport, this.#lockRequest);
          if (warning) this.emit({ type: 'warning', message: warning });
        } catch (error) {
          await transport.close().catch(() => undefined);
          throw error;
        }
      }
      return { transport, facts: new FactCache(transport, { signal: this.commandSignal }) };
    });
    return host.connection;
  }

  /** The controller's own transport, for `delegateTo: 'localhost'`; one per run. */
  local(): Promise<Target> {
    this.#local ??= Promise.resolve(this.options.localTransport ?? new LocalTransport('localhost')).then((transport) => ({
      transport,
      facts: new FactCache(transport, { signal: this.commandSignal }),
    }));
    return this.#local;
  }

  stop(reason: string): void {
    this.stopped ??= reason;
  }

  /** Resolves with the work, or rejects with ABORTED once the grace period after an interrupt is over. */
  whileRunning<T>(work: Promise<T>): Promise<T> {
    const signal = this.#hardStop.signal;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () =>
        reject(
          new MeshbookError('ABORTED', `interrupted: the task was stopped after the ${this.graceMs} ms grace period`, {
            hint: 'the host may be half-way through this task: check it, then run again',
          }),
        );
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** Round trips per host, read before the connections close. */
  async collectRoundTrips(): Promise<void> {
    for (const host of this.hosts.values()) {
      const target = await host.connection?.catch(() => undefined);
      host.counts.roundTrips = target?.transport.stats().roundTrips ?? 0;
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.#graceTimer);
    this.options.signal?.removeEventListener('abort', this.#onSignal);
    const targets = [...this.hosts.values()].map((h) => h.connection).concat(this.options.localTransport ? [] : [this.#local]);
    await Promise.allSettled(
      targets.map(async (target) => {
        const opened = await target?.catch(() => undefined);
        await opened?.transport.close();
      }),
    );
  }

  #interrupt(): void {
    const reason = this.options.signal?.reason;
    this.interrupted = typeof reason === 'string' ? reason : 'interrupted';
    this.stop(this.interrupted);
    this.#graceTimer = setTimeout(() => this.#hardStop.abort(), this.graceMs);
  }
}
