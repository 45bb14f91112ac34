import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Secret } from '../secret.js';
import type { Become, BecomeMethod } from '../transport/types.js';
import type { Vars } from './types.js';
import type { ConnectionSpec, HostKeyPolicy } from './types.js';
import {
  CONNECTION_VAR_NAMES,
  SSH_ARGS_VAR_NAMES,
  connectionFieldParsers,
  templateReference,
  type ConnectionField,
} from './connection-vars.js';
import { inventoryError, type InventoryIssue } from './issues.js';
import { parseSshArgs } from './ssh-args.js';

export const DEFAULT_SSH_PORT = 22;
/** Ansible's default connect timeout. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
/** Ansible checks host keys by default (host_key_checking = True); so does meshbook. */
export const DEFAULT_HOST_KEY_POLICY: HostKeyPolicy = 'strict';

export interface ResolveConnectionOptions {
  /** Relative key and known_hosts paths resolve against this directory (the inventory's). */
  baseDir: string;
  /** Shown as the "file" of an error, e.g. `host m1 (merged vars)`. */
  where?: string;
}

export interface ResolvedConnection {
  connection: ConnectionSpec;
  /** Ignored or unsupported settings, without the host name (the caller groups them by host). */
  warnings: string[];
  issues: InventoryIssue[];
}

/**
 * Turns a host's merged vars (meshbook names or Ansible's aliases) into a ConnectionSpec. Explicit
 * vars win over what is parsed out of `ansible_ssh_common_args`. Throws BAD_INPUT on a bad value;
 * the runner calls it again after applying play vars and -e extra vars.
 */
export function resolveConnection(
  hostName: string,
  vars: Readonly<Vars>,
  options: ResolveConnectionOptions,
): { connection: ConnectionSpec; warnings: string[] } {
  const resolved = resolveConnectionChecked(hostName, vars, options);
  if (resolved.issues.length > 0) throw inventoryError(`host ${hostName}`, resolved.issues);
  return { connection: resolved.connection, warnings: resolved.warnings };
}

export function resolveConnectionChecked(hostName: string, vars: Readonly<Vars>, options: ResolveConnectionOptions): ResolvedConnection {
  const where = options.where ?? `host ${hostName} (merged vars)`;
  const issues: InventoryIssue[] = [];
  const warnings: string[] = [];

  function field<T>(name: ConnectionField): T | undefined {
    for (const key of CONNECTION_VAR_NAMES[name]) {
      if (!(key in vars) || vars[key] === null || vars[key] === undefined) continue;
      const value = dereference(vars, key, issues, where);
      if (value === undefined) return undefined;
      const parsed = connectionFieldParsers[name](value, key);
      if (parsed.ok) return parsed.value as T;
      issues.push({ file: where, path: key, message: parsed.message, fix: parsed.fix });
      return undefined;
    }
    return undefined;
  }

  const sshArgs = collectSshArgs(vars, warnings);
  const become = field<boolean>('become');
  const becomeUser = field<string>('becomeUser');
  const becomeMethod = field<BecomeMethod>('becomeMethod');
  const privateKeyFile = field<string>('privateKeyFile');
  const knownHostsFile = field<string>('knownHostsFile') ?? sshArgs.knownHostsFile;
  const timeoutSeconds = field<number>('connectTimeout') ?? sshArgs.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
  const connection: ConnectionSpec = {
    connection: field<'ssh' | 'local'>('connection') ?? 'ssh',
    address: field<string>('address') ?? hostName,
    port: field<number>('port') ?? DEFAULT_SSH_PORT,
    user: field<string>('user'),
    privateKeyFile: privateKeyFile === undefined ? undefined : expandPath(privateKeyFile, options.baseDir),
    password: field<Secret>('password'),
    become: toBecome(become, becomeUser),
    becomePassword: field<Secret>('becomePassword'),
    becomeMethod,
    // Unset here, ssh config's StrictHostKeyChecking decides, then DEFAULT_HOST_KEY_POLICY (connect-ssh.ts).
    hostKeyPolicy: field<HostKeyPolicy>('hostKeyPolicy') ?? sshArgs.hostKeyPolicy,
    knownHostsFile: knownHostsFile === undefined ? undefined : expandPath(knownHostsFile, options.baseDir),
    proxyJump: field<string>('proxyJump') ?? checkedProxyJump(sshArgs.proxyJump, issues, where),
    connectTimeoutMs: Math.round(timeoutSeconds * 1000),
  };
  const becomeVariables = { ...(becomeUser !== undefined && { user: becomeUser }), ...(becomeMethod !== undefined && { method: becomeMethod }) };
  if (Object.keys(becomeVariables).length > 0) connection.becomeVariables = becomeVariables;
  return { connection, warnings, issues };
}

/** become without a user (or with root) is plain `true`; with another user it names that user. */
function toBecome(become: boolean | undefined, becomeUser: string | undefined): Become | undefined {
  if (become === undefined) return undefined;
  if (!become) return false;
  return becomeUser === undefined || becomeUser === 'root' ? true : { user: becomeUser };
}

/** `~` is the controller user's home; relative paths belong to the inventory, not the cwd. */
export function expandPath(path: string, baseDir: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** Follows `{{ name }}` references to other vars (a few levels, no loops). */
function dereference(vars: Readonly<Vars>, key: string, issues: InventoryIssue[], where: string): unknown {
  let value = vars[key];
  for (let depth = 0; depth < 5; depth++) {
    const name = templateReference(value);
    if (name === undefined) {
      if (typeof value === 'string' && value.includes('{{')) {
        issues.push({
          file: where,
          path: key,
          message: `only a plain "{{ variable }}" reference is supported in connection variables, got ${JSON.stringify(value)}`,
          fix: `write the value itself, or reference one variable: ${key}: "{{ upstream_ip }}"`,
        });
        return undefined;
      }
      return value;
    }
    if (!(name in vars)) {
      issues.push({
        file: where,
        path: key,
        message: `refers to variable ${name}, which this host does not define`,
        fix: `define ${name} for the host or its groups, or write the value itself`,
      });
      return undefined;
    }
    value = vars[name];
  }
  issues.push({ file: where, path: key, message: 'variable references nest too deep (a loop?)', fix: 'write the value itself' });
  return undefined;
}

function collectSshArgs(vars: Readonly<Vars>, warnings: string[]): ReturnType<typeof parseSshArgs> {
  const merged: ReturnType<typeof parseSshArgs> = { ignored: [] };
  for (const key of SSH_ARGS_VAR_NAMES) {
    const value = vars[key];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') {
      warnings.push(`${key}: ignored, expected a string of ssh arguments`);
      continue;
    }
    const found = parseSshArgs(value);
    if (found.ignored.length > 0) {
      warnings.push(
        `${key}: ignored ${found.ignored.map((arg) => JSON.stringify(arg)).join(', ')} (meshbook reads only -J/ProxyJump, ProxyCommand "ssh -W", StrictHostKeyChecking, UserKnownHostsFile, ConnectTimeout)`,
      );
    }
    merged.proxyJump ??= found.proxyJump;
    merged.hostKeyPolicy ??= found.hostKeyPolicy;
    merged.knownHostsFile ??= found.knownHostsFile;
    merged.connectTimeoutSeconds ??= found.connectTimeoutSeconds;
  }
  return merged;
}

function checkedProxyJump(value: string | undefined, issues: InventoryIssue[], where: string): string | undefined {
  if (value === undefined) return undefined;
  const parsed = connectionFieldParsers.proxyJump(value, 'meshbook_proxy_jump');
  if (parsed.ok) return parsed.value as string;
  issues.push({ file: where, path: 'ansible_ssh_common_args', message: `bastion: ${parsed.message}`, fix: parsed.fix });
  return undefined;
}
