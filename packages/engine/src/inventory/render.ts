import { redactDeep } from '../secret.js';
import type { Inventory } from './types.js';

/** `ansible-inventory --list`: `_meta.hostvars` plus one entry per non-empty group. */
export interface InventoryListing {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  [group: string]: { hosts?: string[]; children?: string[] } | InventoryListing['_meta'];
}

/**
 * The data of `ansible-inventory --list`, keys sorted as Ansible prints them (JSON.stringify it):
 * group entries reached from `all` (hosts as written, child groups), groups with neither left out
 * as Ansible does, and every host's merged vars (if any) under `_meta.hostvars` with Secrets shown as ***.
 */
export function renderInventoryList(inventory: Inventory): InventoryListing {
  const listing: InventoryListing = { _meta: { hostvars: {} } };
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const group = inventory.groups.get(name);
    if (!group) return;
    const entry: { hosts?: string[]; children?: string[] } = {};
    // Ansible lists no hosts under all: they are reached through ungrouped and the groups.
    if (name !== 'all' && group.hosts.length > 0) entry.hosts = [...group.hosts];
    if (group.children.length > 0) entry.children = [...group.children];
    if (entry.hosts || entry.children) listing[name] = entry;
    for (const child of group.children) visit(child);
  };
  visit('all');
  // As Ansible: a host without vars has no entry under hostvars.
  for (const [name, host] of inventory.hosts) {
    if (Object.keys(host.vars).length > 0) listing._meta.hostvars[name] = redactDeep(host.vars) as Record<string, unknown>;
  }
  return sortKeys(listing) as InventoryListing;
}

/**
 * `ansible-inventory --graph [group]`: child groups and hosts sorted by name, as Ansible prints them.
 *   @all:
 *     |--@ungrouped:
 *     |--@web:
 *     |  |--web1
 */
export function renderInventoryGraph(inventory: Inventory, root = 'all'): string {
  if (!inventory.groups.has(root)) inventory.groupHosts(root); // throws BAD_INPUT with suggestions
  const lines: string[] = [];
  const visit = (name: string, depth: number, path: readonly string[]): void => {
    const group = inventory.groups.get(name);
    if (!group || path.includes(name)) return;
    lines.push(graphLine(`@${name}:`, depth));
    for (const child of [...group.children].sort()) visit(child, depth + 1, [...path, name]);
    if (name !== 'all') for (const host of [...group.hosts].sort()) lines.push(graphLine(host, depth + 1));
  };
  visit(root, 0, []);
  return lines.join('\n');
}

function graphLine(text: string, depth: number): string {
  return depth === 0 ? text : `${'  |'.repeat(depth)}--${text}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
