import type { Vars } from './types.js';
import { CONNECTION_VAR_NAMES, connectionFieldOf } from './connection-vars.js';

/*
 * Variable precedence, lowest first (Ansible's order, hash_behaviour=replace):
 *
 *   1. group `all`                        (hosts.yaml all.vars, then group_vars/all)
 *   2. every other group of the host, by depth: a parent group before its child groups
 *      (depth = longest path from `all`); groups at the same depth by `ansible_group_priority`
 *      (default 1, higher wins), then by name: the later name in alphabetical order wins
 *   3. the host                           (hosts.yaml host entries, then host_vars/<host>)
 *   4. play vars                          (applied by the runner with mergeVars)
 *   5. -e extra vars                      (applied by the runner with mergeVars)
 *
 * Within one group, its vars from hosts.yaml come first and group_vars/<group> files override them.
 * (Ansible ranks every hosts.yaml group var below every group_vars file; meshbook keeps a group's
 * two sources together so a child group always beats its parent, which is what the layout says.)
 *
 * A value replaces the earlier one whole: mappings and lists are not deep-merged.
 */

/**
 * Merges variable layers, lowest precedence first; a later layer replaces whole values. Setting a
 * connection variable under any of its names (ansible_port, meshbook_port, ...) drops what earlier
 * layers set under the other names, so `-e ansible_user=x` beats a group's `meshbook_user`.
 */
export function mergeVars(...layers: readonly (Readonly<Vars> | undefined)[]): Vars {
  const merged: Vars = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const key of Object.keys(layer)) {
      const field = connectionFieldOf(key);
      if (field) for (const alias of CONNECTION_VAR_NAMES[field]) if (!(alias in layer)) delete merged[alias];
    }
    Object.assign(merged, layer);
  }
  return merged;
}

export const DEFAULT_GROUP_PRIORITY = 1;

/** Depth of every group below `all` (longest path), given parent -> children edges without cycles. */
export function groupDepths(children: ReadonlyMap<string, readonly string[]>, root = 'all'): Map<string, number> {
  const depths = new Map<string, number>([[root, 0]]);
  const visit = (group: string, depth: number): void => {
    for (const child of children.get(group) ?? []) {
      if ((depths.get(child) ?? -1) >= depth + 1) continue;
      depths.set(child, depth + 1);
      visit(child, depth + 1);
    }
  };
  visit(root, 0);
  return depths;
}

export interface GroupRank {
  depth: number;
  priority: number;
}

/** Sorts groups into the order their vars apply: lowest precedence first (see the rules above). */
export function sortGroupsByPrecedence(groups: readonly string[], rank: (group: string) => GroupRank): string[] {
  return [...groups].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra.depth - rb.depth || ra.priority - rb.priority || (a < b ? -1 : a > b ? 1 : 0);
  });
}

/** `ansible_group_priority` from a group's vars; a bad value falls back to the default. */
export function groupPriority(vars: Readonly<Vars>): number {
  const value = vars['ansible_group_priority'];
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : DEFAULT_GROUP_PRIORITY;
}
