import { CONNECTION_VAR_NAMES, SSH_ARGS_VAR_NAMES, connectionFieldOf, type ConnectionField } from '../inventory/connection-vars.js';
import { MeshbookError } from '../errors.js';
import { resolveConnectionChecked } from '../inventory/connection.js';
import { mergeVars } from '../inventory/precedence.js';
import type { ConnectionSpec, Inventory, Vars } from '../inventory/types.js';
import { Secret } from '../secret.js';
import { selectPlayHosts } from './hosts.js';
import { playVars } from './play-vars.js';
import { playSteps } from './play-steps.js';
import type { Play, Playbook } from './types.js';

/**
 * What a host's connection is opened with. meshbook opens one connection per host for the whole
 * run, so every play on a host must agree on these; the become user, method and default are sent
 * with each command and may differ from play to play.
 */
const OPENED_WITH = ['connection', 'address', 'port', 'user', 'privateKeyFile', 'password', 'becomePassword', 'hostKeyPolicy', 'knownHostsFile', 'proxyJump', 'connectTimeoutMs'] as const;
type OpenedWith = (typeof OPENED_WITH)[number];

/** The variables behind each of those fields, for an error naming what to move. */
const VARIABLES_OF: Record<OpenedWith, readonly string[]> = {
  connection: CONNECTION_VAR_NAMES.connection,
  address: CONNECTION_VAR_NAMES.address,
  port: CONNECTION_VAR_NAMES.port,
  user: CONNECTION_VAR_NAMES.user,
  privateKeyFile: CONNECTION_VAR_NAMES.privateKeyFile,
  password: CONNECTION_VAR_NAMES.password,
  becomePassword: CONNECTION_VAR_NAMES.becomePassword,
  hostKeyPolicy: [...CONNECTION_VAR_NAMES.hostKeyPolicy, ...SSH_ARGS_VAR_NAMES],
  knownHostsFile: [...CONNECTION_VAR_NAMES.knownHostsFile, ...SSH_ARGS_VAR_NAMES],
  proxyJump: [...CONNECTION_VAR_NAMES.proxyJump, ...SSH_ARGS_VAR_NAMES],
  connectTimeoutMs: [...CONNECTION_VAR_NAMES.connectTimeout, ...SSH_ARGS_VAR_NAMES],
};

/** The connection variables (and ssh argument variables) a play's vars set. */
export function connectionVarsOf(play: Pick<Play, 'vars'>): string[] {
  return Object.keys(play.vars ?? {}).filter((name) => connectionFieldOf(name) !== undefined || (SSH_ARGS_VAR_NAMES as readonly string[]).includes(name));
}

export interface PlayConnection {
  connection: ConnectionSpec;
  /** Problems with the play's own connection variables, one line each (the inventory's were reported at load). */
  problems: string[];
  /** What of the play's ssh argument variables meshbook does not use (the inventory's were reported at load). */
  warnings: string[];
}

/**
 * A host's connection as one play sees it, by Ansible's precedence: the command line's -u, -b,
 * --become-method (lowest), the inventory, the play's vars, -e (highest). A `{{ var }}` reference
 * in a play's connection variable resolves against the same merged vars. The become user and
 * method the play's vars set rank over playbook keywords, as the inventory's do
 * (becomeWithVariables); the command line's --become-method does not.
 */
export function playConnection(inventory: Inventory, hostName: string, play: Pick<Play, 'name' | 'vars'>, extraVars: Vars | undefined): PlayConnection {
  const host = inventory.hosts.get(hostName);
  if (!host) throw new MeshbookError('INTERNAL', `host "${hostName}" is not in the inventory`);
  const own = connectionVarsOf(play);
  if (own.length === 0) return { connection: host.connection, problems: [], warnings: [] };
  const vars = playVars(play);
  const options = { baseDir: inventory.baseDir, where: `host "${hostName}"` };
  const withoutPlay = resolveConnectionChecked(hostName, mergeVars(host.vars, extraVars), options).connection;
  const resolved = resolveConnectionChecked(hostName, mergeVars(host.vars, vars, extraVars), options);
  const problems = resolved.issues.filter((issue) => own.includes(issue.path)).map((issue) => `vars.${issue.path} on ${issue.file}: ${issue.message} (fix: ${issue.fix})`);
  const setHere = (field: ConnectionField) => CONNECTION_VAR_NAMES[field].some((name) => name in vars || (extraVars !== undefined && name in extraVars));
  const user = setHere('becomeUser') ? resolved.connection.becomeVariables?.user : host.connection.becomeVariables?.user;
  const method = setHere('becomeMethod') ? resolved.connection.becomeVariables?.method : host.connection.becomeVariables?.method;
  // Only what the play's vars change goes over the host's connection as the inventory and -e gave it.
  const connection: ConnectionSpec = { ...host.connection };
  for (const key of Object.keys(resolved.connection) as Array<keyof ConnectionSpec>) {
    if (key !== 'becomeVariables' && !sameValue(withoutPlay[key], resolved.connection[key])) (connection as unknown as Record<string, unknown>)[key] = resolved.connection[key];
  }
  delete connection.becomeVariables;
  if (user !== undefined || method !== undefined) connection.becomeVariables = { ...(user !== undefined && { user }), ...(method !== undefined && { method }) };
  // The connection is opened with the run's default become method; this play's goes with each command.
  if (connection.become !== undefined && connection.become !== false && connection.becomeMethod !== undefined && connection.becomeMethod !== host.connection.becomeMethod) {
    connection.become = { ...(connection.become === true ? {} : connection.become), method: connection.becomeMethod };
  }
  const warnings = resolved.warnings.filter((warning) => own.some((name) => warning.startsWith(`${name}: `)));
  return { connection, problems, warnings };
}

/** The hosts a play connects to: its own (after --limit) and the inventory hosts its tasks and handlers delegate to. */
function hostsTouched(play: Play, playIndex: number, inventory: Inventory, limit: string | undefined): string[] {
  const hosts = new Set(selectPlayHosts(play, inventory, limit));
  const delegates = [...playSteps(play, playIndex).tasks.map(({ spec }) => spec.task.delegateTo), ...(play.handlers ?? []).map((h) => h.delegateTo)];
  for (const delegate of delegates) if (delegate !== undefined && inventory.hosts.has(delegate)) hosts.add(delegate);
  return [...hosts];
}

export interface RunConnections {
  /** Each touched host's connection for the run, where a play's vars changed it from the inventory's. */
  connections: Map<string, ConnectionSpec>;
  /** Problems, each naming the play, the host, the variable and the fix; any one stops the run before it connects. */
  problems: string[];
  /** Ignored parts of the plays' ssh argument variables, one line per play and variable, naming the hosts. */
  warnings: string[];
}

/**
 * Every host's connection for the run, with the connection variables of the plays that touch it
 * applied. A host's connection is opened once, so where two plays would reach one host in
 * different ways (another user, port, key, become password, ...), that is a problem, not a
 * silent choice of one of them.
 */
export function runConnections(playbook: Playbook, inventory: Inventory, options: { limit?: string | undefined; extraVars?: Vars | undefined }): RunConnections {
  const connections = new Map<string, ConnectionSpec>();
  const problems: string[] = [];
  // Without connection variables in any play every host keeps the inventory's connection.
  if (playbook.plays.every((play) => connectionVarsOf(play).length === 0)) return { connections, problems, warnings: [] };
  const warningHosts = new Map<string, string[]>();
  const firstPlay = new Map<string, { where: string; play: Play; connection: ConnectionSpec }>();
  playbook.plays.forEach((play, index) => {
    const where = `plays[${index}] "${play.name}"`;
    let hosts: string[];
    try {
      hosts = hostsTouched(play, index, inventory, options.limit);
    } catch {
      return; // a bad host pattern is validation's to report
    }
    for (const host of hosts) {
      const { connection, problems: own, warnings } = playConnection(inventory, host, play, options.extraVars);
      for (const problem of own) problems.push(`${where}: ${problem}`);
      for (const warning of warnings) warningHosts.set(`${where}: vars.${warning}`, [...(warningHosts.get(`${where}: vars.${warning}`) ?? []), host]);
      const first = firstPlay.get(host);
      if (!first) {
        firstPlay.set(host, { where, play, connection });
        const listed = inventory.hosts.get(host)?.connection;
        if (listed && connection !== listed) connections.set(host, openedWith(listed, connection));
        continue;
      }
      const field = OPENED_WITH.find((name) => !sameValue(first.connection[name], connection[name]));
      if (field) problems.push(conflict(host, field, { where, play, connection }, first));
    }
  });
  const warnings = [...warningHosts].map(([warning, hosts]) => `${warning} (${hosts.length === 1 ? 'host' : 'hosts'} ${hosts.join(', ')})`);
  return { connections, problems, warnings };
}

/** The play's connection fields over the inventory's become settings: each play's become goes with its commands (PlayConnections). */
function openedWith(listed: ConnectionSpec, play: ConnectionSpec): ConnectionSpec {
  const connection: ConnectionSpec = { ...listed };
  for (const field of OPENED_WITH) (connection as unknown as Record<string, unknown>)[field] = play[field];
  return connection;
}

/** Secrets by what they hold (their JSON is a mask), a become object by its fields. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Secret || b instanceof Secret) return a instanceof Secret && b instanceof Secret && a.reveal() === b.reveal();
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

const FIELD_WORDS: Record<OpenedWith, string> = {
  connection: 'connection type',
  address: 'address',
  port: 'port',
  user: 'login user',
  privateKeyFile: 'private key file',
  password: 'ssh password',
  becomePassword: 'become password',
  hostKeyPolicy: 'host key checking',
  knownHostsFile: 'known_hosts file',
  proxyJump: 'bastion (ProxyJump)',
  connectTimeoutMs: 'connect timeout',
};

/** What a play reaches the host with, for the message; a password is never shown, only whether there is one. */
function described(field: OpenedWith, connection: ConnectionSpec): string {
  const value = connection[field];
  if (field === 'password' || field === 'becomePassword') return value === undefined ? `no ${FIELD_WORDS[field]}` : `a ${FIELD_WORDS[field]}`;
  return `${FIELD_WORDS[field]} ${value === undefined ? '(unset)' : String(value)}`;
}

const bothSecret = (field: OpenedWith, a: PlayOnHost, b: PlayOnHost) => (field === 'password' || field === 'becomePassword') && a.connection[field] !== undefined && b.connection[field] !== undefined;

type PlayOnHost = { where: string; play: Play; connection: ConnectionSpec };

function conflict(host: string, field: OpenedWith, later: PlayOnHost, first: PlayOnHost): string {
  const named = (play: Play) => connectionVarsOf(play).filter((name) => VARIABLES_OF[field].includes(name));
  // Name the play whose vars set it (the later one if both did).
  const [setter, other] = named(later.play).length > 0 ? [later, first] : [first, later];
  const variables = named(setter.play);
  const variable = variables.length > 0 ? variables.join(', ') : VARIABLES_OF[field][1] ?? VARIABLES_OF[field][0];
  return (
    `${setter.where}: vars ${variable} gives host "${host}" ${described(field, setter.connection)}${bothSecret(field, setter, other) ? ' (a different one)' : ''}, but ${other.where} reaches it with ${described(field, other.connection)}; ` +
    `meshbook opens one connection per host for the whole run, so the plays on a host must agree on how to reach it ` +
    `(fix: set ${variable} for the host in the inventory (host_vars/group_vars) or with -e, give every play on "${host}" the same value, or run the plays as separate playbooks)`
  );
}

/** The running play's connection per host: the become its commands run with (the connection itself is the run's). */
export class PlayConnections {
  #play: Play | undefined;
  #setsConnectionVars = false;
  readonly #cache = new Map<string, ConnectionSpec>();

  constructor(
    private readonly inventory: Inventory,
    private readonly extraVars: Vars | undefined,
  ) {}

  /** Plays run one after another: each one's vars apply from its start. */
  enter(play: Play): void {
    this.#play = play;
    this.#setsConnectionVars = connectionVarsOf(play).length > 0;
    this.#cache.clear();
  }

  /** `runConnection` (the host's connection for the run) with the running play's become default and become variables. */
  of(host: string, runConnection: ConnectionSpec): ConnectionSpec {
    if (!this.#play || !this.#setsConnectionVars || !this.inventory.hosts.has(host)) return runConnection;
    let connection = this.#cache.get(host);
    if (!connection) {
      const own = playConnection(this.inventory, host, this.#play, this.extraVars).connection;
      connection = { ...runConnection, become: own.become };
      delete connection.becomeVariables;
      if (own.becomeVariables) connection.becomeVariables = own.becomeVariables;
      this.#cache.set(host, connection);
    }
    return connection;
  }
}
