import type { Vars } from './types.js';
import { wrapSecretVars } from './connection-vars.js';
import { expandHostRange } from './host-ranges.js';
import { joinPath, type InventoryIssue } from './issues.js';
import { GROUP_KEYS, GROUP_NAME, HOST_NAME, groupNodeSchema, hostEntrySchema, toInventoryIssues, varsLayerSchema } from './schema.js';

export interface GroupDraft {
  name: string;
  children: string[];
  hosts: string[];
  /** Vars written for the group in the hosts file (all of its definitions merged, later wins). */
  vars: Vars;
}

/** A parent -> child edge and where it is written, so a cycle error can point at it. */
export interface GroupEdge {
  /** The file (and, for INI, line) the edge is written in. */
  file: string;
  parent: string;
  child: string;
  path: string;
}

/** The hosts file, walked: groups, hosts in the order they first appear, and everything wrong with it. */
export interface InventoryTree {
  groups: Map<string, GroupDraft>;
  /** Host names in the order they first appear reading the file top to bottom. */
  hostOrder: string[];
  /** Each host's vars from the hosts file; a host listed under several groups has them merged. */
  hostVars: Map<string, Vars>;
  edges: GroupEdge[];
  issues: InventoryIssue[];
  warnings: string[];
}

/** Deeper than any real inventory: guards against YAML anchors that refer to themselves. */
const MAX_GROUP_DEPTH = 64;

export function emptyInventoryTree(): InventoryTree {
  return {
    groups: new Map([['all', { name: 'all', children: [], hosts: [], vars: {} }]]),
    hostOrder: [],
    hostVars: new Map(),
    edges: [],
    issues: [],
    warnings: [],
  };
}

/** Walks a YAML inventory into `tree`; a second source adds to the first, as Ansible merges several -i. */
export function readInventoryTree(value: unknown, file: string, tree: InventoryTree = emptyInventoryTree()): InventoryTree {
  if (value === null || value === undefined) {
    tree.warnings.push(`${file}: the file is empty, the inventory has no hosts`);
    return tree;
  }
  if (!isPlainObject(value)) {
    tree.issues.push({
      file,
      path: '',
      message: 'expected a mapping at the top of the file',
      fix: 'start the file with all: and put hosts, vars and children under it',
    });
    return tree;
  }
  for (const [key, node] of Object.entries(value)) {
    if ((GROUP_KEYS as readonly string[]).includes(key)) {
      tree.issues.push({
        file,
        path: key,
        message: `"${key}" is not allowed at the top level`,
        fix: `move it under all: (all.${key})`,
      });
    } else if (key !== 'all' && !looksLikeGroup(node)) {
      tree.issues.push({
        file,
        path: key,
        message: `unknown top-level key "${key}": expected all or a group (a mapping with hosts, vars or children)`,
        fix: 'the top level holds only all: and groups; put variables under all.vars and hosts under all.hosts',
      });
    } else {
      walkGroup(tree, file, key, node, key, key === 'all' ? undefined : 'all', 0);
    }
  }
  return tree;
}

function walkGroup(
  tree: InventoryTree,
  file: string,
  name: string,
  node: unknown,
  path: string,
  parent: string | undefined,
  depth: number,
): void {
  if (parent !== undefined && name === 'all') {
    tree.issues.push({ file, path, message: 'group "all" cannot be a child group: every group is already under all', fix: 'remove it from these children' });
    return;
  }
  if (!checkGroupName(tree, file, name, path)) return;
  if (depth > MAX_GROUP_DEPTH) {
    tree.issues.push({ file, path, message: 'groups nest too deep (a YAML anchor that refers to itself?)', fix: 'flatten the group tree' });
    return;
  }
  const group = groupDraft(tree, name);
  if (parent !== undefined) {
    tree.edges.push({ file, parent, child: name, path });
    const parentDraft = groupDraft(tree, parent);
    if (!parentDraft.children.includes(name)) parentDraft.children.push(name);
  }

  const parsed = groupNodeSchema.safeParse(node);
  if (!parsed.success) {
    tree.issues.push(...toInventoryIssues(parsed.error, file, path));
    return;
  }
  if (parsed.data === null) return;

  // Keys in the order written, so hosts keep the order they appear in the file.
  for (const key of Object.keys(parsed.data)) {
    if (key === 'vars' && parsed.data.vars) {
      const vars = checkVars(tree, file, joinPath(path, 'vars'), parsed.data.vars);
      Object.assign(group.vars, vars);
    } else if (key === 'hosts' && parsed.data.hosts) {
      for (const [hostKey, entry] of Object.entries(parsed.data.hosts)) {
        walkHost(tree, file, group, hostKey, entry, joinPath(joinPath(path, 'hosts'), hostKey));
      }
    } else if (key === 'children' && parsed.data.children) {
      for (const [child, childNode] of Object.entries(parsed.data.children)) {
        walkGroup(tree, file, child, childNode, joinPath(joinPath(path, 'children'), child), name, depth + 1);
      }
    }
  }
}

/** False (with an issue) when the group name has characters a host pattern cannot carry. */
export function checkGroupName(tree: InventoryTree, file: string, name: string, path: string): boolean {
  if (name === 'all' || GROUP_NAME.test(name)) return true;
  tree.issues.push({
    file,
    path,
    message: `group name "${name}" has invalid characters (allowed: letters, digits, "_" and "-")`,
    fix: `rename the group, e.g. ${name.replace(/[^A-Za-z0-9_-]+/g, '_')}`,
  });
  return false;
}

export function walkHost(tree: InventoryTree, file: string, group: GroupDraft, hostKey: string, entry: unknown, path: string): void {
  let names: string[];
  try {
    names = expandHostRange(hostKey);
  } catch (error) {
    tree.issues.push({ file, path, message: `bad host range: ${(error as Error).message}`, fix: 'write a range as web[01:10] or db-[a:f]' });
    return;
  }
  const parsed = hostEntrySchema.safeParse(entry);
  if (!parsed.success) {
    const looksLikeAddress = typeof entry === 'string' || typeof entry === 'number';
    tree.issues.push({
      file,
      path,
      message: `expected the host's vars as a mapping (or nothing), got ${looksLikeAddress ? JSON.stringify(entry) : Array.isArray(entry) ? 'a list' : typeof entry}`,
      fix: looksLikeAddress
        ? `write ${hostKey}: { ansible_host: ${String(entry)} }`
        : `write ${hostKey}: followed by its vars indented below it, or nothing`,
    });
    return;
  }
  const vars = parsed.data ? checkVars(tree, file, path, parsed.data) : {};
  for (const name of names) {
    if (!HOST_NAME.test(name)) {
      tree.issues.push({
        file,
        path,
        message: `host name "${name}" has invalid characters (allowed: letters, digits, ".", "-" and "_")`,
        fix: `give the host a plain name and put its address in ansible_host, e.g. ${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}: { ansible_host: <address> }`,
      });
      continue;
    }
    if (!group.hosts.includes(name)) group.hosts.push(name);
    if (!tree.hostVars.has(name)) {
      tree.hostOrder.push(name);
      tree.hostVars.set(name, {});
    }
    Object.assign(tree.hostVars.get(name) ?? {}, vars);
  }
}

export function checkVars(tree: InventoryTree, file: string, path: string, vars: Record<string, unknown>): Vars {
  const checked = varsLayerSchema.safeParse(vars);
  if (!checked.success) tree.issues.push(...toInventoryIssues(checked.error, file, path));
  return wrapSecretVars(vars);
}

export function groupDraft(tree: InventoryTree, name: string): GroupDraft {
  let group = tree.groups.get(name);
  if (!group) {
    group = { name, children: [], hosts: [], vars: {} };
    tree.groups.set(name, group);
  }
  return group;
}

function looksLikeGroup(node: unknown): boolean {
  return node === null || (isPlainObject(node) && Object.keys(node).every((key) => (GROUP_KEYS as readonly string[]).includes(key)));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Every cycle in the group graph, each as the edge that closes it and the groups on it. */
export function findGroupCycles(edges: readonly GroupEdge[]): { edge: GroupEdge; cycle: string[] }[] {
  const children = new Map<string, GroupEdge[]>();
  for (const edge of edges) children.set(edge.parent, [...(children.get(edge.parent) ?? []), edge]);
  const found: { edge: GroupEdge; cycle: string[] }[] = [];
  const reported = new Set<string>();
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (group: string): void => {
    state.set(group, 'visiting');
    stack.push(group);
    for (const edge of children.get(group) ?? []) {
      const childState = state.get(edge.child);
      if (childState === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(edge.child)), edge.child];
        const key = `${edge.parent}>${edge.child}`;
        if (!reported.has(key)) found.push({ edge, cycle });
        reported.add(key);
      } else if (childState === undefined) {
        visit(edge.child);
      }
    }
    stack.pop();
    state.set(group, 'done');
  };
  for (const edge of edges) if (!state.has(edge.parent)) visit(edge.parent);
  return found;
}
