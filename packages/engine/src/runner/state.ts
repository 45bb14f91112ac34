import { Connections } from './connections.js';
import { EventSink } from './event-sink.js';
import { RunEvaluations } from './evaluate-task.js';
import { forksQueue, type ForksQueue } from './forks-queue.js';
import { Interrupts } from './interrupts.js';
import type { RunPlaybookOptions } from './options.js';
import { RunHosts } from './run-hosts.js';
import { PlayConnections } from './play-connection.js';
import type { ConnectionSpec } from '../inventory/types.js';

export type { Target } from './connections.js';
export type { EventInput } from './event-sink.js';
export { emptyCounts } from './run-hosts.js';
export type { HostRuntime } from './run-hosts.js';

export type { ForksQueue } from './forks-queue.js';

/** What a run shares, each part with one job: hosts, connections, interrupts, events, the forks queue. */
export class RunState {
  readonly hosts: RunHosts;
  readonly events: EventSink;
  readonly interrupts: Interrupts;
  readonly connections: Connections;
  /** The running play's become per host, from its vars. */
  readonly playConnections: PlayConnections;
  readonly queue: ForksQueue;
  readonly check: boolean;
  readonly diff: boolean;

  constructor(
    readonly options: RunPlaybookOptions,
    /** Task evaluations per play, kept from validation on. */
    readonly evaluations: RunEvaluations = new RunEvaluations(),
    /** Hosts whose connection the plays' vars changed (runConnections). */
    hostConnections: ReadonlyMap<string, ConnectionSpec> = new Map(),
  ) {
    this.hosts = new RunHosts(options.inventory, hostConnections);
    this.playConnections = new PlayConnections(options.inventory, options.extraVars);
    this.events = new EventSink(options.events);
    this.interrupts = new Interrupts(options.signal, options.graceMs ?? 10_000);
    this.connections = new Connections(options, this.events, this.interrupts.commandSignal);
    this.queue = forksQueue(options.forks ?? 16);
    this.check = options.check === true;
    this.diff = options.diff === true;
  }

  /** Round trips counted, connections closed, no timer left. */
  async close(): Promise<void> {
    await this.connections.collectRoundTrips(this.hosts.all());
    this.interrupts.dispose();
    await this.connections.close(this.hosts.all());
  }
}
