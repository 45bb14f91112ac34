import type { Inventory } from '../inventory/types.js';
import type { Play } from './types.js';
import type { Vars } from '../inventory/types.js';
import { playVars } from './play-vars.js';

/** A play's hosts: its pattern, intersected with `--limit`, in inventory order. */
export function selectPlayHosts(play: Pick<Play, 'hosts'>, inventory: Inventory, limit: string | undefined): string[] {
  const hosts = inventory.select(play.hosts);
  if (!limit) return hosts;
  const allowed = new Set(inventory.select(limit));
  return hosts.filter((h) => allowed.has(h));
}

/**
 * Inventory vars < play vars < extra vars; each level replaces whole values (no deep merge), and
 * a play's password variables are Secrets, as the inventory's are.
 * Under them, Ansible's magic `inventory_dir`: the directory relative paths in the inventory
 * belong to, as the engine resolves key files against it (a playbook resolving a path the
 * inventory names does the same).
 */
export function mergeHostVars(inventory: Inventory, host: string, play: Pick<Play, 'vars'>, extraVars: Vars | undefined): Vars {
  const inventoryVars = inventory.hosts.get(host)?.vars ?? {};
  return { inventory_dir: inventory.baseDir, ...inventoryVars, ...playVars(play), ...extraVars };
}

/**
 * A host's vars as a play's tasks see them: merged, then with the play's varsSchema output over
 * them (typed values, defaults applied), parsed once per host and play. Vars the schema refuses
 * stay as they are: validation reports them before anything runs.
 */
export function playHostVars(inventory: Inventory, host: string, play: Pick<Play, 'vars' | 'varsSchema'>, extraVars: Vars | undefined): Vars {
  const merged = mergeHostVars(inventory, host, play, extraVars);
  const parsed = play.varsSchema?.safeParse(merged);
  return parsed?.success && typeof parsed.data === 'object' && parsed.data !== null ? { ...merged, ...parsed.data } : merged;
}

/** Group name -> every host in it (through child groups), for HostContext.groups. */
export function groupMembers(inventory: Inventory): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const name of inventory.groups.keys()) groups[name] = inventory.groupHosts(name);
  if (!groups.all) groups.all = [...inventory.hosts.keys()];
  return groups;
}
