import type { HostKeyPolicy } from '../transport/ssh/host-key-policy.js';
import type { Secret } from '../secret.js';
import type { Become, BecomeMethod } from '../transport/types.js';

/** Variables of a host, group, play or `-e`: names to any YAML or JSON value. */
export type Vars = Record<string, unknown>;

/** The one definition lives with the check that applies it (transport/ssh/host-key-policy.ts). */
export type { HostKeyPolicy } from '../transport/ssh/host-key-policy.js';

/** Ansible's become_user and become_method, each set or not. */
export interface BecomeUserAndMethod {
  readonly user?: string;
  readonly method?: BecomeMethod;
}

/** How to reach a host, resolved from its merged vars (meshbook names or Ansible's aliases). */
export interface ConnectionSpec {
  /** 'ssh' (default) or 'local' (the controller itself). */
  connection: 'ssh' | 'local';
  /** Address to connect to (ansible_host); defaults to the inventory name. */
  address: string;
  port: number;
  user: string | undefined;
  privateKeyFile: string | undefined;
  password: Secret | undefined;
  /** Become root (or becomeUser) for every task unless a task says otherwise. */
  become: Become | undefined;
  becomePassword: Secret | undefined;
  /** sudo (default), su or doas: Ansible's become_method. */
  becomeMethod: BecomeMethod | undefined;
  /**
   * What the host's variables (its inventory vars and -e, not the command line's --become-method)
   * set of become_user and become_method. As in Ansible, these override the user and method the
   * play's, blocks' and task's `become` give (runner/block-keywords.ts, becomeWithVariables);
   * absent: neither set.
   */
  becomeVariables?: BecomeUserAndMethod;
  /** Unset: ssh config's StrictHostKeyChecking for the host, else strict. */
  hostKeyPolicy: HostKeyPolicy | undefined;
  knownHostsFile: string | undefined;
  /** Bastion, in ssh's `[user@]host[:port]` form. */
  proxyJump: string | undefined;
  connectTimeoutMs: number;
}

export interface InventoryHost {
  name: string;
  /** Groups the host belongs to, parents included, 'all' first. */
  groups: readonly string[];
  /** Merged vars, precedence applied (all < parent group < child group < host). */
  vars: Readonly<Vars>;
  connection: ConnectionSpec;
}

export interface InventoryGroup {
  name: string;
  /** Direct child groups. */
  children: readonly string[];
  /** Hosts listed directly under this group. */
  hosts: readonly string[];
  vars: Readonly<Vars>;
}

export interface Inventory {
  /** Directory or file the inventory came from. */
  source: string;
  /** Directory that relative key and known_hosts paths resolve against. */
  baseDir: string;
  hosts: ReadonlyMap<string, InventoryHost>;
  groups: ReadonlyMap<string, InventoryGroup>;
  /** Host names matching an Ansible-style pattern, in inventory order. Throws BAD_INPUT on a bad pattern. */
  select(pattern: string): string[];
  /** Every host of a group, through child groups, in inventory order. */
  groupHosts(group: string): string[];
  /** Problems that do not stop a run (vars files for unknown hosts, ignored ssh args), one line each. */
  warnings: readonly string[];
}
