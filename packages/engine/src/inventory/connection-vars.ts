import { Secret } from '../secret.js';
import type { HostKeyPolicy } from './types.js';
import { BECOME_METHODS, type BecomeMethod } from '../transport/types.js';
import { describeValue } from './issues.js';
import type { Vars } from './types.js';

/**
 * The variables that say how to reach a host. Each field has a meshbook name and Ansible's aliases,
 * so an Ansible YAML inventory loads unchanged. Within one layer the first name listed wins; across
 * layers the later layer wins whichever name it uses (see mergeVars).
 */
export const CONNECTION_VAR_NAMES = {
  address: ['meshbook_host', 'ansible_host', 'ansible_ssh_host'],
  port: ['meshbook_port', 'ansible_port', 'ansible_ssh_port'],
  user: ['meshbook_user', 'ansible_user', 'ansible_ssh_user'],
  privateKeyFile: ['meshbook_private_key_file', 'ansible_ssh_private_key_file', 'ansible_private_key_file'],
  password: ['meshbook_password', 'ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'],
  become: ['meshbook_become', 'ansible_become'],
  becomeUser: ['meshbook_become_user', 'ansible_become_user'],
  becomePassword: ['meshbook_become_password', 'ansible_become_password', 'ansible_become_pass'],
  becomeMethod: ['meshbook_become_method', 'ansible_become_method'],
  connection: ['meshbook_connection', 'ansible_connection'],
  hostKeyPolicy: ['meshbook_host_key_checking', 'ansible_host_key_checking', 'ansible_ssh_host_key_checking'],
  knownHostsFile: ['meshbook_known_hosts_file'],
  proxyJump: ['meshbook_proxy_jump'],
  connectTimeout: ['meshbook_connect_timeout', 'ansible_ssh_timeout', 'ansible_timeout'],
} as const;

export type ConnectionField = keyof typeof CONNECTION_VAR_NAMES;

/** Ansible's free-form ssh argument vars: only the parts meshbook understands are used. */
export const SSH_ARGS_VAR_NAMES = ['ansible_ssh_common_args', 'ansible_ssh_extra_args', 'ansible_ssh_args'] as const;

const SECRET_FIELDS: readonly ConnectionField[] = ['password', 'becomePassword'];

const fieldByVarName = new Map<string, ConnectionField>(
  Object.entries(CONNECTION_VAR_NAMES).flatMap(([field, names]) => names.map((name) => [name, field as ConnectionField])),
);

export function connectionFieldOf(varName: string): ConnectionField | undefined {
  return fieldByVarName.get(varName);
}

export function isSecretVarName(varName: string): boolean {
  const field = fieldByVarName.get(varName);
  return field !== undefined && SECRET_FIELDS.includes(field);
}

/** Password vars become Secrets as soon as they are read, so no later output can print them. */
export function wrapSecretVars(vars: Vars): Vars {
  const out: Vars = {};
  for (const [key, value] of Object.entries(vars)) {
    out[key] =
      isSecretVarName(key) && (typeof value === 'string' || typeof value === 'number') && !isTemplateReference(value)
        ? new Secret(String(value))
        : value;
  }
  return out;
}

/** `{{ name }}`: the one template form accepted in connection vars (Ansible's `ansible_host: "{{ ip }}"`). */
export function templateReference(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(value)?.[1];
}

function isTemplateReference(value: unknown): boolean {
  return templateReference(value) !== undefined;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; fix: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (message: string, fix: string): Parsed<never> => ({ ok: false, message, fix });

/** Ansible's booleans: YAML true/false plus the strings it accepts (yes/no/on/off/1/0). */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (['yes', 'true', 'on', '1', 'y'].includes(text)) return true;
  if (['no', 'false', 'off', '0', 'n'].includes(text)) return false;
  return undefined;
}

function parseNonEmptyString(value: unknown, key: string, what: string, example: string): Parsed<string> {
  if (typeof value === 'string' && value.trim() !== '') return ok(value.trim());
  return bad(`expected ${what}, got ${describeValue(value)}`, `write it as a string, e.g. ${key}: ${example}`);
}

const PROXY_JUMP = /^(?:[A-Za-z0-9._-]+@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/;

/** One parser per field; load-time validation and connection resolution both use these. */
export const connectionFieldParsers: {
  [F in ConnectionField]: (value: unknown, key: string) => Parsed<unknown>;
} = {
  address: (value, key) =>
    typeof value === 'string' && /^\S+$/.test(value)
      ? ok(value)
      : bad(`expected a host name or IP address, got ${describeValue(value)}`, `write the address as a string, e.g. ${key}: 192.0.2.10`),
  port: (value, key) => {
    const port = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) return ok(port);
    return bad(`expected a port number 1-65535, got ${describeValue(value)}`, `write the SSH port as a whole number, e.g. ${key}: 22`);
  },
  user: (value, key) => parseNonEmptyString(value, key, 'a user name', 'ubuntu'),
  privateKeyFile: (value, key) => parseNonEmptyString(value, key, 'a path to a private key', '~/.ssh/id_ed25519'),
  password: (value, key) => parseSecret(value, key),
  become: (value, key) => {
    const become = parseBoolean(value);
    return become === undefined
      ? bad(`expected true or false, got ${describeValue(value)}`, `write ${key}: true (become root with sudo) or ${key}: false`)
      : ok(become);
  },
  becomeUser: (value, key) => parseNonEmptyString(value, key, 'a user name', 'root'),
  becomePassword: (value, key) => parseSecret(value, key),
  becomeMethod: (value, key) =>
    typeof value === 'string' && (BECOME_METHODS as readonly string[]).includes(value.trim())
      ? ok(value.trim() as BecomeMethod)
      : bad(`expected a become method (${BECOME_METHODS.join(', ')}), got ${describeValue(value)}`, `write ${key}: sudo, su or doas (meshbook has no other become plugins)`),
  connection: (value, key) => {
    // Ansible's 'smart' and 'paramiko' are both plain ssh for meshbook.
    if (value === 'ssh' || value === 'smart' || value === 'paramiko' || value === 'openssh') return ok('ssh');
    if (value === 'local') return ok('local');
    return bad(`expected ssh or local, got ${describeValue(value)}`, `meshbook connects over ssh or runs on the controller: write ${key}: ssh or ${key}: local`);
  },
  hostKeyPolicy: (value, key) => {
    const policy = parseHostKeyPolicy(value);
    return policy === undefined
      ? bad(
          `expected a host key policy (strict, accept-new or off), got ${describeValue(value)}`,
          `write ${key}: strict (known_hosts must match), accept-new (trust on first use) or off`,
        )
      : ok(policy);
  },
  knownHostsFile: (value, key) => parseNonEmptyString(value, key, 'a path to a known_hosts file', '~/.ssh/known_hosts'),
  proxyJump: (value, key) =>
    typeof value === 'string' && PROXY_JUMP.test(value.trim())
      ? ok(value.trim())
      : bad(
          `expected one bastion as [user@]host[:port], got ${describeValue(value)}`,
          `write ${key}: admin@bastion.example.com:22 (one hop; meshbook does not chain bastions)`,
        ),
  connectTimeout: (value, key) => {
    const seconds = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) return ok(seconds);
    return bad(`expected a timeout in seconds greater than 0, got ${describeValue(value)}`, `write ${key}: 10`);
  },
};

function parseSecret(value: unknown, key: string): Parsed<Secret> {
  if (value instanceof Secret) return ok(value);
  if (typeof value === 'string' || typeof value === 'number') return ok(new Secret(String(value)));
  return bad(`expected a password string, got ${describeValue(value)}`, `write ${key} as a quoted string`);
}

/** meshbook's names, Ansible's booleans (false means off), and ssh's own yes/no/accept-new words. */
export function parseHostKeyPolicy(value: unknown): HostKeyPolicy | undefined {
  if (value === 'strict' || value === 'accept-new' || value === 'off') return value;
  if (typeof value === 'string' && ['ask', 'strict'].includes(value.toLowerCase())) return 'strict';
  const flag = parseBoolean(value);
  if (flag === undefined) return undefined;
  return flag ? 'strict' : 'off';
}
