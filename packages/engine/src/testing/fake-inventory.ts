import picomatch from 'picomatch';
import { MeshbookError } from '../errors.js';
import type { ConnectionSpec, Inventory, InventoryGroup, InventoryHost } from '../inventory/types.js';
import { BECOME_METHODS, type Become, type BecomeMethod } from '../transport/types.js';
import type { Vars } from '../inventory/types.js';

/**
 * A minimal in-memory Inventory for tests: hosts with their (already merged) vars, and groups whose
 * members are host names or other group names (children). Patterns follow Ansible: terms joined by
 * ':' or ',', `!term` excludes, `&term` intersects, globs match host and group names, and a plain
 * name that is neither a host nor a group is a BAD_INPUT error (a typo should not select nothing).
 */
export function fakeInventory(hosts: Record<string, Vars>, groups: Record<string, string[]> = {}): Inventory {
  const hostNames = Object.keys(hosts);
  const groupMap = new Map<string, InventoryGroup>();
  groupMap.set('all', { name: 'all', children: Object.keys(groups), hosts: hostNames, vars: {} });
  for (const [name, members] of Object.entries(groups)) {
    groupMap.set(name, {
      name,
      children: members.filter((m) => m in groups),
      hosts: members.filter((m) => !(m in groups)),
      vars: {},
    });
  }
  const order = new Map(hostNames.map((h, i) => [h, i]));
  const sorted = (names: Iterable<string>) => [...new Set(names)].sort((a, b) => order.get(a)! - order.get(b)!);

  const groupHosts = (group: string, seen = new Set<string>()): string[] => {
    const g = groupMap.get(group);
    if (!g || seen.has(group)) return [];
    seen.add(group);
    return sorted([...g.hosts, ...g.children.flatMap((child) => groupHosts(child, seen))]);
  };
  const groupsOf = (host: string): string[] => [
    'all',
    ...Object.keys(groups).filter((g) => groupHosts(g).includes(host)),
  ];

  const hostMap = new Map<string, InventoryHost>();
  for (const [name, vars] of Object.entries(hosts)) {
    hostMap.set(name, { name, groups: groupsOf(name), vars, connection: connectionOf(name, vars) });
  }

  const matchTerm = (term: string): string[] => {
    if (term === 'all' || term === '*') return hostNames;
    if (groupMap.has(term)) return groupHosts(term);
    if (hostMap.has(term)) return [term];
    if (/[*?[\]{}]/.test(term)) {
      const isMatch = picomatch(term);
      return sorted([
        ...hostNames.filter((h) => isMatch(h)),
        ...[...groupMap.keys()].filter((g) => isMatch(g)).flatMap((g) => groupHosts(g)),
      ]);
    }
    throw new MeshbookError('BAD_INPUT', `host pattern term "${term}" matches no host or group`);
  };

  const select = (pattern: string): string[] => {
    const terms = pattern.split(/[:,]/).map((t) => t.trim()).filter(Boolean);
    if (terms.length === 0) throw new MeshbookError('BAD_INPUT', `empty host pattern "${pattern}"`);
    let selected = new Set<string>();
    for (const term of terms.filter((t) => !t.startsWith('!') && !t.startsWith('&'))) for (const h of matchTerm(term)) selected.add(h);
    for (const term of terms.filter((t) => t.startsWith('&'))) {
      const keep = new Set(matchTerm(term.slice(1)));
      selected = new Set([...selected].filter((h) => keep.has(h)));
    }
    for (const term of terms.filter((t) => t.startsWith('!'))) for (const h of matchTerm(term.slice(1))) selected.delete(h);
    return sorted(selected);
  };

  return { source: '(fake inventory)', baseDir: process.cwd(), hosts: hostMap, groups: groupMap, select, groupHosts: (g) => groupHosts(g), warnings: [] };
}

function connectionOf(name: string, vars: Vars): ConnectionSpec {
  const str = (key: string) => (typeof vars[key] === 'string' ? (vars[key] as string) : undefined);
  const become = vars.become ?? vars.ansible_become;
  return {
    connection: (str('connection') ?? str('ansible_connection')) === 'local' ? 'local' : 'ssh',
    address: str('ansible_host') ?? name,
    port: typeof vars.ansible_port === 'number' ? vars.ansible_port : 22,
    user: str('ansible_user'),
    privateKeyFile: undefined,
    password: undefined,
    become: become === true || (typeof become === 'object' && become !== null) ? (become as Become) : undefined,
    becomePassword: undefined,
    becomeMethod: undefined,
    ...becomeVariablesOf(vars),
    hostKeyPolicy: 'off',
    knownHostsFile: undefined,
    proxyJump: undefined,
    connectTimeoutMs: 10_000,
  };
}

/** What ansible_become_user and ansible_become_method set (as resolveConnection reads them). */
function becomeVariablesOf(vars: Vars): Pick<ConnectionSpec, 'becomeVariables'> {
  const { ansible_become_user: user, ansible_become_method: method } = vars;
  const settings = {
    ...(typeof user === 'string' && { user }),
    ...(typeof method === 'string' && (BECOME_METHODS as readonly string[]).includes(method) && { method: method as BecomeMethod }),
  };
  return Object.keys(settings).length > 0 ? { becomeVariables: settings } : {};
}
