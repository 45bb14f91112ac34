import type { z } from 'zod';
import type { AnyModule, ModuleOutput, ModuleParamsInput, ModuleResult } from '../module/contract.js';
import type { KnownAfterApply } from '../module/unknown.js';
import type { Vars } from '../inventory/types.js';
import type { Become } from '../transport/types.js';

/** A typed handle to a registered result, usable on the same host or, by name, from another host. */
export interface ResultRef<O> {
  readonly name: string;
  /** Phantom field carrying the output type. */
  readonly __output?: O;
}

/** Registers a task's result under `name`, typed by the module's output. */
export function resultRef<O>(name: string): ResultRef<O> {
  return { name };
}

/** A registered result: the module result plus the runner's view of it. */
export interface TaskResult<O = unknown> {
  status: 'ok' | 'changed' | 'failed' | 'skipped';
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  output: O | KnownAfterApply | undefined;
  /** One entry per loop item when the task loops. */
  results?: TaskResult<O>[];
  error?: { code: string; message: string };
  module?: ModuleResult;
}

/** What params, `when`, `loop` and the other callbacks see for one host. */
export interface HostContext {
  /** Inventory name of this host. */
  readonly name: string;
  /** Merged variables (precedence: all < parent group < child group < host < play vars < extra vars). */
  readonly vars: Readonly<Vars>;
  /** Group name -> host names, from the inventory. */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** This host's groups. */
  readonly groupNames: readonly string[];
  readonly check: boolean;
  /** A variable, typed by a zod schema; a missing or wrong value is a BAD_INPUT error naming host and variable. */
  var<S extends z.ZodType>(name: string, schema: S): z.output<S>;
  /** Another host's variables. */
  hostvars(host: string): Readonly<Vars>;
  /** A result registered on this host, or on `host`. Undefined if the task has not run there. */
  result<O>(ref: ResultRef<O>, host?: string): TaskResult<O> | undefined;
  /**
   * A registered output, known or thrown: in check mode a value that exists only after apply throws
   * UnknownValueError, and the runner reports the task as a planned change "known after apply".
   */
  output<O>(ref: ResultRef<O>, host?: string): O;
}

/**
 * A value, or a function of the host computing it. Such functions may be called more than once
 * (validation before connecting, fact prefetching, the task itself): keep them free of side effects.
 */
export type Dynamic<T, Item = unknown> = T | ((host: HostContext, item: Item) => T);

export interface TaskOptions<O = unknown, Item = unknown> {
  /** Shown in output; defaults to the module name and a summary of params. */
  name?: string;
  when?: (host: HostContext, item: Item) => boolean;
  /** Runs the task once per item; params and `when` receive the item. */
  loop?: readonly Item[] | ((host: HostContext) => readonly Item[]);
  /** Label of an item in output (default: JSON of the item, secrets masked). */
  loopLabel?: (item: Item) => string;
  register?: ResultRef<O>;
  ignoreErrors?: boolean;
  /** Overrides "changed" (Ansible changed_when). */
  changedWhen?: (result: ModuleResult<any, O>, host: HostContext) => boolean;
  /** Overrides "failed" (Ansible failed_when); receives the result, or the error for a thrown failure. */
  failedWhen?: (result: ModuleResult<any, O> | undefined, host: HostContext, error?: Error) => boolean;
  /** Run on the first host of the batch only; the result is registered on every host of the batch. */
  runOnce?: boolean;
  tags?: readonly string[];
  /** 'localhost' runs the task on the controller (local transport), e.g. `rke up`. */
  delegateTo?: 'localhost' | string;
  /** Handler names notified when the task reports a change. */
  notify?: readonly string[];
  become?: Become;
  timeoutMs?: number;
}

export interface Task<M extends AnyModule = AnyModule, Item = any> extends TaskOptions<ModuleOutput<M>, Item> {
  readonly kind: 'task';
  readonly module: M;
  readonly params: Dynamic<ModuleParamsInput<M>, Item>;
}

/** Runs notified handlers now instead of at the end of the play (Ansible meta: flush_handlers). */
export interface FlushHandlers {
  readonly kind: 'flush_handlers';
}

export interface Handler<M extends AnyModule = AnyModule> extends Task<M> {
  /** Name used by `notify`; required for handlers. */
  readonly name: string;
}

export type PlayItem = Task | FlushHandlers;

export interface Play {
  name: string;
  /** Host pattern: group, host, glob, `!exclude`, `&intersection`, joined with ':' or ','. */
  hosts: string;
  vars?: Vars;
  /** Batch size: a number, a percentage ('30%'), or a list of sizes. */
  serial?: number | string | readonly (number | string)[];
  /** Stop the play when more than this percentage of a batch failed. */
  maxFailPercentage?: number;
  /** One failure stops the play on every host. */
  anyErrorsFatal?: boolean;
  become?: Become;
  tasks: readonly PlayItem[];
  handlers?: readonly Handler[];
  /** Validates each host's merged vars before anything connects. */
  varsSchema?: z.ZodType;
  /**
   * Checks across the play's hosts before anything connects (e.g. pod CIDRs of two clusters must
   * not overlap). Returns problems, each naming the hosts or values involved; none means valid.
   */
  validateHosts?: (hosts: readonly HostContext[]) => readonly string[];
}

export interface Playbook {
  name: string;
  plays: readonly Play[];
}

// Item defaults to unknown, not never: a Task<M, never> held in a variable is not assignable to
// PlayItem (its callbacks would refuse the `any` item), so `const t = task(m, {}); tasks: [t]` failed.
export function task<M extends AnyModule, Item = unknown>(
  module: M,
  params: Dynamic<ModuleParamsInput<M>, Item>,
  options: TaskOptions<ModuleOutput<M>, Item> = {},
): Task<M, Item> {
  return { kind: 'task', module, params, ...options };
}

export function handler<M extends AnyModule>(
  name: string,
  module: M,
  params: Dynamic<ModuleParamsInput<M>>,
  options: Omit<TaskOptions<ModuleOutput<M>>, 'name' | 'loop'> = {},
): Handler<M> {
  return { kind: 'task', module, params, ...options, name };
}

export const flushHandlers = (): FlushHandlers => ({ kind: 'flush_handlers' });

export function definePlaybook(playbook: Playbook): Playbook {
  return playbook;
}
