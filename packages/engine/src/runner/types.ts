import type { z } from 'zod';
import type { AnyModule, ModuleOutput, ModuleParamsInput, ModuleResult } from '../module/contract.js';
import type { HostFacts } from '../module/host-facts.js';
import type { KnownAfterApply } from '../module/unknown.js';
import type { Vars } from '../inventory/types.js';
import type { ChangeView, ErrorView, HostStatus } from '../events/types.js';
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

/**
 * What a task came to on a host, one record from module to event: the host.result event reports
 * it (without output and module), `register` stores it. An ignored failure is status 'ok' with
 * `ignored` and `failed`.
 */
export interface TaskResult<O = unknown> {
  /** As reported and counted. */
  status: HostStatus;
  /** status is 'changed'. */
  changed: boolean;
  /** The task failed (unreachable included), even when ignoreErrors made it count as ok. */
  failed: boolean;
  /** status is 'skipped'. */
  skipped: boolean;
  /** A failure ignoreErrors turned into ok. */
  ignored: boolean;
  /** In check mode, the result rests on a value known only after apply. */
  knownAfterApply: boolean;
  changes: ChangeView[];
  /** Rendered diff, when asked for and something changed. */
  diff?: string;
  message?: string;
  error?: ErrorView;
  output: O | KnownAfterApply | undefined;
  /** One entry per loop item when the task loops. */
  results?: TaskResult<O>[];
  /** How many times the task ran, when it has `until` or `retries` (Ansible's `attempts`). */
  attempts?: number;
  /** What the module returned, when it ran. */
  module?: ModuleResult;
  durationMs: number;
}

/**
 * What `until` sees: the attempt's result. Never a value known only after apply: in check mode
 * such a result is a planned change, which is not waited for.
 */
export type UntilResult<O = unknown> = Omit<TaskResult<O>, 'output'> & { output: O | undefined };

/**
 * What params, `when`, `loop` and the other callbacks see for one host. `V`: the play's vars as its
 * varsSchema makes them (definePlay), so tasks read `host.vars.pod_cidr` typed, defaults applied.
 */
export interface HostContext<V extends object = Vars> {
  /** Inventory name of this host. */
  readonly name: string;
  /**
   * Merged variables (precedence: all < parent group < child group < host < play vars < extra
   * vars); with a play's varsSchema, its parsed output over them (typed, defaults applied).
   */
  readonly vars: Readonly<V>;
  /**
   * What the host is (OS id and codename, architecture, addresses, init system), read from it once
   * a task's params ask; params that read it are evaluated once the host is connected.
   */
  readonly facts: HostFacts;
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
   * A registered output. In check mode a value that exists only after apply is thrown (a
   * KnownAfterApply), and the task whose params read it is reported as a planned change.
   */
  output<O>(ref: ResultRef<O>, host?: string): O;
}

/**
 * A value, or a function of the host computing it. Such functions may be called more than once
 * (validation before connecting, fact prefetching, the task itself): keep them free of side effects.
 */
export type Dynamic<T, Item = unknown, V extends object = Vars> = T | ((host: HostContext<V>, item: Item) => T);

export interface TaskOptions<O = unknown, Item = unknown, V extends object = Vars> {
  /** Shown in output; defaults to the module name and a summary of params. */
  name?: string;
  when?: (host: HostContext<V>, item: Item) => boolean;
  /** Runs the task once per item; params and `when` receive the item. */
  loop?: readonly Item[] | ((host: HostContext<V>) => readonly Item[]);
  /** Label of an item in output (default: JSON of the item, secrets masked). */
  loopLabel?: (item: Item) => string;
  register?: ResultRef<O>;
  ignoreErrors?: boolean;
  /** Overrides "changed" (Ansible changed_when). */
  changedWhen?: (result: ModuleResult<any, O>, host: HostContext<V>) => boolean;
  /** Overrides "failed" (Ansible failed_when); receives the result, or the error for a thrown failure. */
  failedWhen?: (result: ModuleResult<any, O> | undefined, host: HostContext<V>, error?: Error) => boolean;
  /** Run on the first host of the batch only; the result is registered on every host of the batch. */
  runOnce?: boolean;
  tags?: readonly string[];
  /** 'localhost' runs the task on the controller (local transport), e.g. `rke up`. */
  delegateTo?: 'localhost' | string;
  /** Handler names notified when the task reports a change. */
  notify?: readonly string[];
  become?: Become;
  timeoutMs?: number;
  /**
   * Ansible `until`: the task runs again, `delay` seconds later, until this holds for its result
   * (after changedWhen, failedWhen and ignoreErrors), at most `retries` more times; per item when
   * it loops. In check mode a planned change is not retried: nothing was applied to wait for.
   */
  until?: (result: UntilResult<O>, host: HostContext<V>, item: Item) => boolean;
  /**
   * Attempts after the first, as in Ansible (`retries: 3` is up to 4 attempts); default 3 with
   * `until`. Without `until` the task is retried until it does not fail (Ansible 2.16).
   */
  retries?: number;
  /** Seconds between attempts (default 5, as in Ansible). */
  delay?: number;
}

export interface Task<M extends AnyModule = AnyModule, Item = any, V extends object = any> extends TaskOptions<ModuleOutput<M>, Item, V> {
  readonly kind: 'task';
  readonly module: M;
  readonly params: Dynamic<ModuleParamsInput<M>, Item, V>;
}

/** Runs notified handlers now instead of at the end of the play (Ansible meta: flush_handlers). */
export interface FlushHandlers {
  readonly kind: 'flush_handlers';
}

export interface Handler<M extends AnyModule = AnyModule, V extends object = any> extends Task<M, any, V> {
  /** Name used by `notify`; required for handlers. */
  readonly name: string;
}

/**
 * Ansible's block: its tasks run in order; on a host where one fails, `rescue` runs (the host is
 * then counted `rescued`, not failed, unless the rescue fails too); `always` runs on every host
 * that entered the block, failed or not (unreachable hosts excepted). Its keywords apply to every
 * task inside it, rescue and always included, and to nested blocks; a task's own setting wins.
 */
export interface Block<V extends object = any> {
  readonly kind: 'block';
  /** Shown by --list-tasks, in the block events and in error paths. */
  readonly name: string;
  readonly tasks: readonly PlayItem<V>[];
  readonly rescue?: readonly PlayItem<V>[];
  readonly always?: readonly PlayItem<V>[];
  /**
   * Added to the `when` of every task inside it (rescue and always too), checked at each task as
   * Ansible does: a task that changes what it reads makes the later ones skip.
   */
  readonly when?: (host: HostContext<V>) => boolean;
  /** Added to the tags of every task inside it. */
  readonly tags?: readonly string[];
  /**
   * The become of the tasks inside, field by field under their own: a task's `become: true` keeps
   * the block's user and method (Ansible's become_user on a block), `false` turns it off.
   */
  readonly become?: Become;
  /** The ignoreErrors of the tasks inside that set none: their failures count as ok, so no rescue runs for them. */
  readonly ignoreErrors?: boolean;
  /** The delegateTo of the tasks inside that set none. */
  readonly delegateTo?: 'localhost' | string;
  /** The timeoutMs of the tasks inside that set none. */
  readonly timeoutMs?: number;
  /** The runOnce of the tasks inside that set none: each of them runs on the batch's first host. */
  readonly runOnce?: boolean;
}

export type BlockOptions<V extends object = any> = Omit<Block<V>, 'kind' | 'name' | 'tasks'>;

/** A task, a block or flush_handlers of a play whose vars are `V`. */
export type PlayItem<V extends object = any> = Task<AnyModule, any, V> | Block<V> | FlushHandlers;

export interface Play<V extends object = any> {
  name: string;
  /** Host pattern: group, host, glob, `!exclude`, `&intersection`, joined with ':' or ','. */
  hosts: string;
  /**
   * Over the inventory's vars, under -e. Connection variables here (ansible_user, ansible_port,
   * ansible_become_user, ...) reach the play's hosts as in Ansible (runner/play-connection.ts).
   */
  vars?: Vars;
  /** Batch size: a number, a percentage ('30%'), or a list of sizes. */
  serial?: number | string | readonly (number | string)[];
  /** Stop the play when more than this percentage of a batch failed. */
  maxFailPercentage?: number;
  /** One failure stops the play on every host. */
  anyErrorsFatal?: boolean;
  become?: Become;
  tasks: readonly PlayItem<V>[];
  handlers?: readonly Handler<AnyModule, V>[];
  /** Validates each host's merged vars before anything connects; tasks see its output as `host.vars`. */
  varsSchema?: z.ZodType<V>;
  /**
   * Checks across the play's hosts before anything connects (e.g. pod CIDRs of two clusters must
   * not overlap). Returns problems, each naming the hosts or values involved; none means valid.
   */
  validateHosts?: (hosts: readonly HostContext<V>[]) => readonly string[];
}

/** A play whose tasks see `host.vars` as its varsSchema's output, typed: no task parses vars itself. */
export function definePlay<S extends z.ZodType<object>>(play: Play<z.output<S>> & { varsSchema: S }): Play<z.output<S>> {
  return play;
}

export interface Playbook {
  name: string;
  plays: readonly Play[];
}

// Item defaults to unknown, not never: a Task<M, never> held in a variable is not assignable to
// PlayItem (its callbacks would refuse the `any` item), so `const t = task(m, {}); tasks: [t]` failed.
export function task<M extends AnyModule, Item = unknown, V extends object = Vars>(
  module: M,
  params: Dynamic<ModuleParamsInput<M>, Item, V>,
  options: TaskOptions<ModuleOutput<M>, Item, V> = {},
): Task<M, Item, V> {
  return { kind: 'task', module, params, ...options };
}

export function handler<M extends AnyModule, V extends object = Vars>(
  name: string,
  module: M,
  params: Dynamic<ModuleParamsInput<M>, unknown, V>,
  options: Omit<TaskOptions<ModuleOutput<M>, unknown, V>, 'name' | 'loop'> = {},
): Handler<M, V> {
  return { kind: 'task', module, params, ...options, name };
}

/** A block of tasks, with `rescue` and `always` (see Block); in a definePlay, its tasks see the play's typed vars. */
export function block<V extends object = Vars>(name: string, tasks: readonly PlayItem<V>[], options: BlockOptions<V> = {}): Block<V> {
  return { kind: 'block', name, tasks, ...options };
}

export const flushHandlers = (): FlushHandlers => ({ kind: 'flush_handlers' });

export function definePlaybook(playbook: Playbook): Playbook {
  return playbook;
}
