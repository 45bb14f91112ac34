import { access, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { MeshbookError } from '../errors.js';
import type { Vars } from './types.js';
import { resolveConnectionChecked } from './connection.js';
import { closestNames, inventoryError, type InventoryIssue } from './issues.js';
import { selectHosts } from './patterns.js';
import { groupDepths, groupPriority, mergeVars, sortGroupsByPrecedence } from './precedence.js';
import { readIniInventory } from './ini-file.js';
import { unevaluatedJinja } from './jinja-warnings.js';
import { emptyInventoryTree, findGroupCycles, isPlainObject, readInventoryTree, type InventoryTree } from './tree.js';
import type { Inventory, InventoryGroup, InventoryHost } from './types.js';
import { readVarsFiles, type VarsFiles } from './vars-files.js';
import type { VaultPassword } from '../vault/vault.js';
import { openVaultFile, parseYamlText, type YamlReadOptions } from './yaml-file.js';

export interface LoadInventoryOptions {
  /**
   * -e extra vars. They are not part of host.vars (the runner layers play vars under them), but they
   * are applied when resolving each host's connection so `-e ansible_user=x` is checked at load.
   */
  extraVars?: Readonly<Vars>;
  /**
   * Command-line connection settings (`-u`, `--private-key`, `-b`, `-K`): the lowest layer, under
   * group all, so an inventory's own ansible_user wins as it does over ansible-playbook's -u.
   */
  defaultVars?: Readonly<Vars>;
  /** Passwords for ansible-vault: `!vault` values and encrypted files become Secrets. */
  vaultPasswords?: readonly VaultPassword[];
}

const HOSTS_FILES = ['hosts.yaml', 'hosts.yml', 'hosts', 'hosts.ini'];

/**
 * Loads `inventories/<name>/` (a hosts file + group_vars/ + host_vars/) or a single inventory file
 * (with group_vars/ and host_vars/ beside it, as Ansible does), in YAML or Ansible's INI format.
 * Several paths are merged as Ansible merges several -i: groups and hosts add up, and a later
 * source's vars (and group_vars/host_vars files) win. Everything is validated before returning:
 * a bad inventory throws BAD_INPUT listing every problem with its file, path and fix.
 */
export async function loadInventory(paths: string | readonly string[], options: LoadInventoryOptions = {}): Promise<Inventory> {
  const sources = typeof paths === 'string' ? [paths] : [...paths];
  if (sources.length === 0) throw new MeshbookError('BAD_INPUT', 'no inventory given', { hint: 'pass -i inventories/<name>' });
  const display = (absolutePath: string): string => displayPath(absolutePath);
  const source = sources.map((path) => display(resolve(path))).join(', ');

  const tree = emptyInventoryTree();
  const groupVarsFiles = emptyVarsFiles();
  const hostVarsFiles = emptyVarsFiles();
  const issues: InventoryIssue[] = [];
  const warnings: string[] = [];
  let firstBaseDir: string | undefined;
  for (const path of sources) {
    const { hostsFile, baseDir } = await locateHostsFile(path);
    firstBaseDir ??= baseDir;
    const read = await readInventorySource(hostsFile, display(hostsFile), tree, options);
    issues.push(...read.issues);
    warnings.push(...read.warnings);
    mergeVarsFiles(groupVarsFiles, await readVarsFiles(join(baseDir, 'group_vars'), display, options));
    mergeVarsFiles(hostVarsFiles, await readVarsFiles(join(baseDir, 'host_vars'), display, options));
  }
  const baseDir = firstBaseDir ?? '.';
  issues.push(...tree.issues, ...groupVarsFiles.issues, ...hostVarsFiles.issues);
  warnings.push(...tree.warnings, ...groupVarsFiles.warnings, ...hostVarsFiles.warnings);
  for (const { edge, cycle } of findGroupCycles(tree.edges)) {
    issues.push({
      file: edge.file,
      path: edge.path,
      message: `group "${edge.child}" is its own ancestor: ${cycle.join(' -> ')}`,
      fix: `remove ${edge.child} from the children of ${edge.parent}`,
    });
  }
  if (issues.length > 0) throw inventoryError(source, issues);

  addImplicitGroups(tree);
  warnings.push(...orphanVarsWarnings(groupVarsFiles, tree.groups, 'group'), ...orphanVarsWarnings(hostVarsFiles, tree.hostVars, 'host'));
  for (const name of tree.hostOrder) {
    if (tree.groups.has(name)) warnings.push(`"${name}" is both a host and a group; a pattern with that name selects both`);
  }

  const groups = buildGroups(tree, groupVarsFiles);
  const hosts = buildHosts(tree, groups, hostVarsFiles, baseDir, options, issues, warnings);
  if (issues.length > 0) throw inventoryError(source, issues);
  return createInventory({ source, baseDir, hosts, groups, hostOrder: tree.hostOrder, warnings });
}

const YAML_EXTENSIONS = /\.(ya?ml|json)$/;

/**
 * A hosts file into the tree. As Ansible tries its yaml plugin before its ini plugin: a .yaml, .yml
 * or .json file is YAML; any other file is YAML when it parses as a mapping, else INI.
 */
async function readInventorySource(
  hostsFile: string,
  shown: string,
  tree: InventoryTree,
  options: YamlReadOptions,
): Promise<{ issues: InventoryIssue[]; warnings: string[] }> {
  const text = openVaultFile(await readFile(hostsFile, 'utf8'), shown, options);
  const parsed = parseYamlText(text, shown, options);
  const isYaml = YAML_EXTENSIONS.test(hostsFile) || (parsed.issues.length === 0 && (parsed.value == null || isPlainObject(parsed.value)));
  if (isYaml) {
    refuseInventoryPlugin(parsed.value, shown);
    if (parsed.issues.length === 0) readInventoryTree(parsed.value, shown, tree);
    return parsed;
  }
  readIniInventory(text, shown, tree);
  return { issues: [], warnings: [] };
}

/**
 * An inventory plugin's config (`plugin: hetzner.hcloud.hcloud`) asks Ansible to run Python that
 * queries a cloud: meshbook runs no plugins, and says how to get the hosts it would produce.
 */
function refuseInventoryPlugin(value: unknown, shown: string): void {
  if (!isPlainObject(value) || typeof value['plugin'] !== 'string') return;
  throw new MeshbookError('BAD_INPUT', `${shown} configures the Ansible inventory plugin ${value['plugin']}; meshbook does not run inventory plugins`, {
    hint: `export the hosts it produces once with Ansible: ansible-inventory -i ${shown} --list -y > hosts.yaml, then pass -i hosts.yaml`,
  });
}

function emptyVarsFiles(): VarsFiles {
  return { vars: new Map(), files: new Map(), issues: [], warnings: [] };
}

/** A later inventory source's group_vars/host_vars win over an earlier one's, key by key. */
function mergeVarsFiles(into: VarsFiles, from: VarsFiles): void {
  for (const [name, vars] of from.vars) into.vars.set(name, mergeVars(into.vars.get(name), vars));
  for (const [name, files] of from.files) into.files.set(name, [...(into.files.get(name) ?? []), ...files]);
  into.issues.push(...from.issues);
  into.warnings.push(...from.warnings);
}

async function locateHostsFile(path: string): Promise<{ hostsFile: string; baseDir: string }> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) {
    throw new MeshbookError('BAD_INPUT', `inventory ${path} does not exist`, {
      hint: 'pass a directory with hosts.yaml (inventories/<name>) or an inventory file (YAML or INI)',
    });
  }
  if (info.isFile()) return { hostsFile: absolute, baseDir: dirname(absolute) };
  const found: string[] = [];
  for (const name of HOSTS_FILES) {
    if (await access(join(absolute, name)).then(() => true, () => false)) found.push(name);
  }
  if (found.length === 0) {
    throw new MeshbookError('BAD_INPUT', `inventory ${path} has no hosts.yaml`, {
      hint: `create ${join(path, 'hosts.yaml')} starting with all: (or an INI file named hosts)`,
    });
  }
  if (found.length > 1) {
    throw new MeshbookError('BAD_INPUT', `inventory ${path} has both ${found.join(' and ')}`, {
      hint: 'keep one of them: meshbook will not guess which is current (or pass each with its own -i)',
    });
  }
  return { hostsFile: join(absolute, found[0] ?? ''), baseDir: absolute };
}

/** Relative to the working directory when inside it (inventories/lab/hosts.yaml), else absolute. */
function displayPath(absolutePath: string): string {
  const shown = relative(process.cwd(), absolutePath);
  return shown === '' ? '.' : shown.startsWith('..') ? absolutePath : shown;
}

/**
 * Ansible's implicit structure: a group without a parent is a child of `all`, and `ungrouped` (first
 * child of all) holds the hosts that are in no other group.
 */
function addImplicitGroups(tree: InventoryTree): void {
  const all = tree.groups.get('all');
  if (!all) return;
  if (!tree.groups.has('ungrouped')) tree.groups.set('ungrouped', { name: 'ungrouped', children: [], hosts: [], vars: {} });
  all.children = ['ungrouped', ...all.children.filter((child) => child !== 'ungrouped')];
  const hasParent = new Set([...tree.groups.values()].flatMap((group) => group.children));
  for (const name of tree.groups.keys()) {
    if (name !== 'all' && !hasParent.has(name)) all.children.push(name);
  }
  const grouped = new Set([...tree.groups.values()].filter((g) => g.name !== 'all' && g.name !== 'ungrouped').flatMap((g) => g.hosts));
  const ungrouped = tree.groups.get('ungrouped');
  for (const host of tree.hostOrder) if (!grouped.has(host) && ungrouped && !ungrouped.hosts.includes(host)) ungrouped.hosts.push(host);
}

function orphanVarsWarnings(files: VarsFiles, known: ReadonlyMap<string, unknown>, kind: 'group' | 'host'): string[] {
  const warnings: string[] = [];
  for (const [name, shown] of files.files) {
    if (known.has(name)) continue;
    const suggestion = closestNames(name, known.keys(), 1)[0];
    warnings.push(
      `${shown.join(', ')}: no ${kind} named "${name}" in the inventory, these vars are not used${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
    );
  }
  return warnings;
}

function buildGroups(tree: InventoryTree, groupVarsFiles: VarsFiles): Map<string, InventoryGroup> {
  const groups = new Map<string, InventoryGroup>();
  for (const draft of tree.groups.values()) {
    groups.set(draft.name, {
      name: draft.name,
      children: [...draft.children],
      hosts: [...draft.hosts],
      vars: mergeVars(draft.vars, groupVarsFiles.vars.get(draft.name)),
    });
  }
  return groups;
}

function buildHosts(
  tree: InventoryTree,
  groups: ReadonlyMap<string, InventoryGroup>,
  hostVarsFiles: VarsFiles,
  baseDir: string,
  { extraVars, defaultVars }: LoadInventoryOptions,
  issues: InventoryIssue[],
  warnings: string[],
): Map<string, InventoryHost> {
  const children = new Map([...groups.values()].map((group) => [group.name, group.children]));
  const depths = groupDepths(children);
  const rank = (group: string) => ({ depth: depths.get(group) ?? 0, priority: groupPriority(groups.get(group)?.vars ?? {}) });
  const parents = parentMap(groups);
  const warningHosts = new Map<string, string[]>();

  const hosts = new Map<string, InventoryHost>();
  for (const name of tree.hostOrder) {
    const direct = [...groups.values()].filter((group) => group.hosts.includes(name)).map((group) => group.name);
    const memberOf = sortGroupsByPrecedence([...ancestorsOf(direct, parents)].filter((group) => group !== 'all'), rank);
    const inventoryVars = mergeVars(
      groups.get('all')?.vars,
      ...memberOf.map((group) => groups.get(group)?.vars),
      tree.hostVars.get(name),
      hostVarsFiles.vars.get(name),
    );
    const vars = mergeVars(defaultVars, inventoryVars);
    const resolved = resolveConnectionChecked(name, mergeVars(vars, extraVars), {
      baseDir,
      where: `host ${name} (merged vars${extraVars ? ' and extra vars' : ''})`,
    });
    issues.push(...resolved.issues);
    for (const warning of [...resolved.warnings, ...unevaluatedJinja(vars)]) warningHosts.set(warning, [...(warningHosts.get(warning) ?? []), name]);
    const connection = { ...resolved.connection };
    // The command line's -b and --become-method rank under a play's become, the variables over it:
    // what the variables alone set (its problems are reported by the resolve above).
    if (defaultVars) {
      const becomeVariables = resolveConnectionChecked(name, mergeVars(inventoryVars, extraVars), { baseDir }).connection.becomeVariables;
      if (becomeVariables) connection.becomeVariables = becomeVariables;
      else delete connection.becomeVariables;
    }
    hosts.set(name, { name, groups: ['all', ...memberOf], vars, connection });
  }
  // One line per distinct warning, not one per host: a group var would otherwise repeat it N times.
  for (const [warning, names] of warningHosts) warnings.push(`${names.length === 1 ? 'host' : 'hosts'} ${names.join(', ')}: ${warning}`);
  return hosts;
}

function parentMap(groups: ReadonlyMap<string, InventoryGroup>): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const group of groups.values()) {
    for (const child of group.children) parents.set(child, [...(parents.get(child) ?? []), group.name]);
  }
  return parents;
}

function ancestorsOf(groups: readonly string[], parents: ReadonlyMap<string, readonly string[]>): Set<string> {
  const found = new Set<string>();
  const pending = [...groups];
  while (pending.length > 0) {
    const group = pending.pop() ?? '';
    if (found.has(group)) continue;
    found.add(group);
    pending.push(...(parents.get(group) ?? []));
  }
  return found;
}

interface InventoryParts {
  source: string;
  baseDir: string;
  hosts: Map<string, InventoryHost>;
  groups: Map<string, InventoryGroup>;
  hostOrder: readonly string[];
  warnings: string[];
}

function createInventory(parts: InventoryParts): Inventory {
  const order = new Map(parts.hostOrder.map((host, index) => [host, index]));
  const groupHostsCache = new Map<string, string[]>();
  const groupHosts = (group: string): string[] => {
    const cached = groupHostsCache.get(group);
    if (cached) return [...cached];
    if (!parts.groups.has(group)) {
      const suggestions = closestNames(group, parts.groups.keys());
      throw new MeshbookError('BAD_INPUT', `no group named ${JSON.stringify(group)}`, {
        hint: suggestions.length > 0 ? `did you mean ${suggestions.join(', ')}?` : 'see the groups with `meshbook inventory --graph`',
      });
    }
    const members = new Set<string>();
    const visit = (name: string, seen: Set<string>): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const node = parts.groups.get(name);
      for (const host of node?.hosts ?? []) members.add(host);
      for (const child of node?.children ?? []) visit(child, seen);
    };
    visit(group, new Set());
    const hosts = group === 'all' ? [...parts.hostOrder] : [...members].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    groupHostsCache.set(group, hosts);
    return [...hosts];
  };
  const scope = { hostOrder: parts.hostOrder, groupNames: [...parts.groups.keys()], groupHosts };
  return {
    source: parts.source,
    baseDir: parts.baseDir,
    hosts: parts.hosts,
    groups: parts.groups,
    warnings: parts.warnings,
    select: (pattern) => selectHosts(scope, pattern),
    groupHosts,
  };
}
