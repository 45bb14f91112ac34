import type { ConnectionSpec, Inventory } from '../inventory/types.js';
import type { RunPlaybookOptions, RunSummary, SelectionOptions } from '../runner/options.js';
import type { Playbook, Vars } from '../runner/types.js';
import type { Transport } from '../transport/types.js';

/**
 * The library calls the CLI makes, in one place. The CLI is a thin shell over these: another
 * program can call the same functions directly.
 */
export interface EngineApi {
  loadInventory(path: string, options?: { extraVars?: Vars }): Promise<Inventory & { warnings?: readonly string[] }>;
  renderInventoryList(inventory: Inventory): unknown;
  renderInventoryGraph(inventory: Inventory): string;
  validatePlaybook(playbook: Playbook, inventory: Inventory, options: SelectionOptions): void | Promise<void>;
  listHosts(playbook: Playbook, inventory: Inventory, options: Pick<SelectionOptions, 'limit'>): ListedHosts[] | Promise<ListedHosts[]>;
  listTasks(playbook: Playbook, options: Pick<SelectionOptions, 'tags' | 'skipTags'>): ListedTasks[] | Promise<ListedTasks[]>;
  runPlaybook(playbook: Playbook, options: RunPlaybookOptions): Promise<RunSummary>;
  createTransport(name: string, spec: ConnectionSpec): Promise<Transport>;
}

type PlayRef = string | { name: string; hosts?: string };
export interface ListedHosts {
  play: PlayRef;
  hosts: readonly string[];
}
export interface ListedTasks {
  play: PlayRef;
  tasks: ReadonlyArray<{ name: string; tags?: readonly string[] }>;
}

export const playName = (play: PlayRef): string => (typeof play === 'string' ? play : play.name);

// Bound at run time while the runner, inventory loader and SSH transport land in parallel; the
// paths become static imports once they exist.
const modulePaths = ['../runner/index.js', '../inventory/index.js', '../transport/connect.js'];

let loaded: Promise<EngineApi> | undefined;

export function engineApi(): Promise<EngineApi> {
  loaded ??= Promise.all(modulePaths.map((p) => import(new URL(p, import.meta.url).href))).then(
    ([runner, inventory, connect]) => ({ ...inventory, ...runner, ...connect }) as EngineApi,
  );
  return loaded;
}
