import { MeshbookError } from '../errors.js';
import type { HostCounts } from '../events/types.js';
import type { ConnectionSpec, Inventory, InventoryHost } from '../inventory/types.js';
import type { HostFacts } from '../module/host-facts.js';
import type { Target } from './connections.js';
import { groupMembers } from './hosts.js';
import type { TaskResult } from './types.js';

/** One host's state for the whole run. */
export interface HostRuntime {
  readonly name: string;
  readonly inventoryHost: InventoryHost;
  readonly counts: HostCounts;
  /** 'failed' and 'unreachable' hosts take no further part in the run. */
  state: 'live' | 'failed' | 'unreachable';
  /** Registered results by name; they outlive the play, as in Ansible. */
  readonly registered: Map<string, TaskResult>;
  /** Opened at the host's first use (Connections). */
  connection?: Promise<Target>;
  /** Read from the host when a task's params first ask (host.facts), then kept for the run (dropped at a reconnect). */
  facts?: HostFacts | undefined;
  /** How often the connection was opened again after it dropped between tasks (bounded: Connections.of); a module's own reconnects (a reboot) are not. */
  reconnects?: number;
  /** Round trips of the connections a reconnect replaced. */
  earlierRoundTrips?: number;
}

export const emptyCounts = (): HostCounts => ({ ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, ignored: 0, rescued: 0, roundTrips: 0 });

/** The run's hosts: each one's state, counts and registered results, and the inventory's groups. */
export class RunHosts {
  readonly #hosts = new Map<string, HostRuntime>();
  readonly groups: Record<string, string[]>;
  /** Hosts a task was stopped on half-way (interrupted): their state is unknown. */
  readonly unknownState = new Set<string>();

  constructor(
    private readonly inventory: Inventory,
    /** Hosts whose connection the plays' vars changed (play-connection.ts, runConnections). */
    private readonly connections: ReadonlyMap<string, ConnectionSpec> = new Map(),
  ) {
    this.groups = groupMembers(inventory);
  }

  get(name: string): HostRuntime {
    let runtime = this.#hosts.get(name);
    if (!runtime) {
      const listed = this.inventory.hosts.get(name);
      if (!listed) throw new MeshbookError('INTERNAL', `host "${name}" is not in the inventory`);
      const connection = this.connections.get(name);
      const inventoryHost = connection ? { ...listed, connection } : listed;
      runtime = { name, inventoryHost, counts: emptyCounts(), state: 'live', registered: new Map() };
      this.#hosts.set(name, runtime);
    }
    return runtime;
  }

  /** A host the run has touched, if it has. */
  find(name: string): HostRuntime | undefined {
    return this.#hosts.get(name);
  }

  all(): HostRuntime[] {
    return [...this.#hosts.values()];
  }
}
