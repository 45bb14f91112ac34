import type { z } from 'zod';
import type { ShellCommand } from '../command.js';
import { MeshbookError } from '../errors.js';
import type { Become, CommandResult, CommandTrailer, GetOptions, HostReady, PutOptions, RunOptions, Transport } from '../transport/types.js';
import type { AnyChange } from './change.js';
import { renderDiff } from './diff.js';
import { FactCache, sameBecome } from './facts.js';
import type { DeclaredFacts, Fact, FactRequest, FactsOf, WrittenPath } from './facts.js';
import { KnownAfterApply, showKnownAfterApply } from './unknown.js';
import { formatZodIssues } from './validation.js';

/** What a module asks for when it ended the host's connection on purpose (ModuleContext.reconnect). */
export interface ReconnectRequest {
  /** Why, as the run reports it (the host.reconnect event): `reboot: waiting for web1 in a new boot`. */
  reason: string;
  /** How long the host may take to answer again. */
  timeoutMs: number;
  /**
   * The host is back only when this holds on the new connection (a reboot: a new boot); until
   * then that connection is closed and connecting tried again, so one reconnect is one event.
   * Run out while the host answers but is not back: TIMEOUT, with the reason given.
   */
  ready?: HostReady;
}

/** The connection a module's context works on: replaced as a whole by a reconnect. */
export interface ModuleTarget {
  transport: Transport;
  facts: FactCache;
}

/** What a module gets from ModuleContext.reconnect: the host's new connection and fact cache. */
export type Reconnect = (request: ReconnectRequest & { signal?: AbortSignal | undefined }) => Promise<ModuleTarget>;

/** What gather and apply may use. Gather must only read; apply is the only place that writes. */
export interface ModuleContext {
  readonly host: string;
  /** The host's connection now: after `reconnect`, the new one. */
  readonly transport: Transport;
  readonly become: Become | undefined;
  readonly signal: AbortSignal | undefined;
  /** Runs a command; a non-zero exit code is returned, not thrown. Become defaults to the task's. */
  run(command: ShellCommand, options?: RunOptions): Promise<CommandResult>;
  /** Runs a command and throws COMMAND_FAILED (with host, masked command, exit code, stderr) unless it exits 0. */
  exec(command: ShellCommand, options?: RunOptions): Promise<CommandResult>;
  put(path: string, content: string | Buffer, options?: PutOptions): Promise<void>;
  get(path: string, options?: GetOptions): Promise<Buffer>;
  /** One fact, cached for the run (a single-use fact: this read's own value, never shared). */
  fact<R>(request: FactRequest<R>): Promise<R>;
  /** Several facts in one round trip, shaped like the declaration. */
  facts<D extends DeclaredFacts>(declared: D): Promise<FactsOf<D>>;
  /** A progress line for long work (apt installs); reporters show it live. */
  progress(line: string): void;
  /**
   * For a module that ends the host's connection on purpose (a reboot): the engine drops the
   * connection and opens a new one, waiting up to `timeoutMs` for the host to answer, and drops
   * every fact it cached for the host (they describe the host as it was). In a run this is the
   * same reconnect as after a dropped connection: the host lock taken again, a host.reconnect
   * event, the old connection's round trips kept in the recap. Everything on this context then
   * goes to the new connection. Absent where the connection cannot be opened again (the
   * controller's own); a failure rejects with UNREACHABLE (or the connect's own error).
   */
  readonly reconnect?: (request: ReconnectRequest) => Promise<void>;
}

/**
 * A module, in four steps:
 *
 * - `facts(params)`: what it reads on the host, declared (`{ current: sysctlValue(key), file:
 *   fileState(path) }`). The engine fetches the declared facts of every task of a play in one
 *   batch before the first task runs, so a converged host costs one round trip per play.
 * - `gather(ctx, params, facts)`, optional: only for lookups that depend on an answer in `facts`
 *   (a file's content names another file). Read-only. Without it plan gets `facts` as declared.
 * - `plan(facts, params)`: pure; the changes that bring the host to `params`. Each change's kind
 *   discriminates a typed payload: everything apply needs.
 * - `apply(ctx, changes, params)`: carries out the changes (all of them, in order; it may batch,
 *   e.g. one apt-get install for several packages), reading each change's payload: never a display
 *   field, never the facts, never params again for what to do (params only for how: timeouts).
 *
 * Values known only after apply (KnownAfterApply) are the engine's: in check mode plan may see
 * one shown as its text; apply never sees one, and no params schema mentions it.
 */
export interface ModuleDefinition<P, D extends DeclaredFacts, F, C extends AnyChange, O> {
  /** Module name as used in task output and error paths: 'sysctl', 'apt', 'file'. */
  name: string;
  /** Parameter schema. Parsed before any host is touched. */
  params: z.ZodType<P>;
  /** The facts plan reads, from params alone; fetched ahead in the play's batch. */
  facts?(params: P): D;
  /** Read-only lookups that depend on a declared fact's answer; returns what plan reads. */
  gather?(ctx: ModuleContext, params: P, facts: FactsOf<D>): Promise<F>;
  /** Pure and synchronous: the changes that bring the host from `facts` to `params`. */
  plan(facts: F, params: P): C[];
  /** Carries out the planned changes from their payloads. Returns the module's output, if it has one. */
  apply(ctx: ModuleContext, changes: C[], params: P): Promise<O | void>;
  /** The module's output when nothing was applied (no change, or read-only work done in gather). */
  output?(facts: F, params: P): O;
  /**
   * The facts apply makes stale. Absent (the safe default): the host's whole fact cache is dropped
   * after apply, since what apply changes can be what other modules' facts read (packages add unit
   * files, a repository changes apt's candidates, a user changes file owners). Name facts only
   * when apply changes nothing else any fact reads.
   */
  invalidates?: readonly Fact<any, any>[];
  /**
   * The host paths apply may have written for these changes (a file, a directory and what lies
   * under it; `{ path, below: false }` for a directory made where nothing was, which leaves what a
   * fact saw under it as it was). Given, it replaces `invalidates`: after apply only the facts
   * whose reads (see FactDefinition.reads) are at, under or above one of them are dropped, plus
   * every fact whose reads are unknown; the other checks fetched ahead stay good. Name every path
   * apply can touch, temp and backup files' directories included; undefined when these changes'
   * reach is not known (then everything is dropped).
   */
  writes?(changes: C[], params: P): readonly WrittenPath[] | undefined;
  /**
   * The host paths these params leave existing (`existing`) or not existing (`absent`) once the
   * task succeeded, whether it changed something or found nothing to change: a path of `existing`
   * missing before the task means the task will change something (or fail). The play's prefetch
   * reads it only to decide when a later read-only command runs (PrefetchGuard), never what any
   * result is: a path left out costs time at most. Absolute paths only.
   */
  leaves?(params: P): PathsLeft;
}

/** What a successful task leaves on the host (ModuleDefinition.leaves). */
export interface PathsLeft {
  readonly existing?: readonly string[];
  readonly absent?: readonly string[];
}

/** A module's `writes`, or undefined (drop everything) when it cannot say. */
function writtenPaths(writes: () => readonly WrittenPath[] | undefined): readonly WrittenPath[] | undefined {
  try {
    const paths = writes();
    const absolute = (p: unknown) => typeof p === 'string' && p.startsWith('/');
    return paths?.every((p) => absolute(p) || (typeof p === 'object' && p !== null && absolute(p.path) && p.below === false)) ? paths : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Params at the engine's boundary. `params` is what the schema made of them; values known only
 * after apply (check mode) are shown in it as their text. When the schema cannot take that text
 * (a key that must be 44 characters of base64), `params` is absent: the task can only be reported
 * as a change, known after apply. `invalid`: the schema's problems, when nothing excuses them.
 */
export interface BoundaryParams<P> {
  params?: P;
  knownAfterApply: readonly KnownAfterApply[];
  invalid?: z.ZodError;
}

export interface ModuleRunOptions {
  /** Gather and plan only: apply is never called. */
  check?: boolean;
  /** Render a diff of the changes. */
  diff?: boolean;
  become?: Become;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The host's fact cache, shared across tasks in a run; a fresh one when absent. */
  facts?: FactCache;
  onProgress?: (line: string) => void;
  /**
   * How ModuleContext.reconnect opens the connection again: a run's own (Connections.reconnect).
   * Absent: the transport's own reconnect, with the fact cache dropped (a module used as a library).
   */
  reconnect?: Reconnect;
  /**
   * The runner's turn plan: given what apply will write (undefined: unknown reach), the lasting
   * facts later tasks will need that the change makes stale, to read behind apply's command in
   * its round trip. Empty: none. Used only when apply's first command runs as `become`, and kept
   * only when apply ran no other command after it and succeeded (ReadsAfterApply).
   */
  readsAfterApply?: ReadsAfterApply;
}

/** Facts read in apply's round trip (ModuleRunOptions.readsAfterApply). */
export interface ReadsAfterApply {
  plan(written: readonly WrittenPath[] | undefined): readonly FactRequest[];
  /** After a change of unknown reach, once the trailer's answers are cached (the cache is whole again). */
  refilled?(facts: FactCache): void;
}

export interface ModuleResult<C extends AnyChange = AnyChange, O = unknown> {
  module: string;
  host: string;
  changed: boolean;
  changes: C[];
  /** Rendered diff, present when requested and something changed. */
  diff: string | undefined;
  check: boolean;
  /** Output after apply, or without change; KnownAfterApply in check mode when a change is planned. */
  output: O | KnownAfterApply | undefined;
  /** The params held values known only after apply (check mode): the plan is as far as it can see. */
  knownAfterApply: boolean;
  durationMs: number;
}

export interface Module<P, F, C extends AnyChange, O, I = P> {
  readonly name: string;
  readonly definition: ModuleDefinition<P, any, F, C, O>;
  /** Validates raw params: the parsed value, or a BAD_INPUT error naming each field and what was expected. */
  parse(params: unknown, where?: string): P;
  /** The engine's params boundary: parsed, with values known only after apply shown as text (see BoundaryParams). */
  atBoundary(params: unknown): BoundaryParams<P>;
  /** Facts, gather, plan and (unless check) apply on one host. Usable from any TypeScript program. */
  run(transport: Transport, params: I, options?: ModuleRunOptions): Promise<ModuleResult<C, O>>;
}

export type AnyModule = Module<any, any, any, any, any>;
export type ModuleParamsInput<M> = M extends Module<any, any, any, any, infer I> ? I : never;
export type ModuleOutput<M> = M extends Module<any, any, any, infer O, any> ? O : never;

type Definition<S extends z.ZodType, D extends DeclaredFacts, F, C extends AnyChange, O> = Omit<ModuleDefinition<z.output<S>, D, F, C, O>, 'params'> & { params: S };

/** A module whose plan reads its declared facts as they are. */
export function defineModule<S extends z.ZodType, D extends DeclaredFacts, C extends AnyChange, O = undefined>(
  definition: Omit<Definition<S, D, FactsOf<D>, C, O>, 'gather'> & { gather?: undefined },
): Module<z.output<S>, FactsOf<D>, C, O, z.input<S>>;
/** A module with a gather: lookups that depend on a declared fact's answer. */
export function defineModule<S extends z.ZodType, D extends DeclaredFacts, F, C extends AnyChange, O = undefined>(
  definition: Definition<S, D, F, C, O> & { gather: NonNullable<ModuleDefinition<z.output<S>, D, F, C, O>['gather']> },
): Module<z.output<S>, F, C, O, z.input<S>>;
export function defineModule<S extends z.ZodType, D extends DeclaredFacts, F, C extends AnyChange, O>(
  definition: Definition<S, D, F, C, O>,
): Module<z.output<S>, F, C, O, z.input<S>> {
  const def = definition as unknown as ModuleDefinition<z.output<S>, D, F, C, O>;
  const badInput = (issues: z.ZodError, where: string) =>
    new MeshbookError('BAD_INPUT', `invalid parameters for ${where}:\n${formatZodIssues(issues, where)}`, {
      hint: `fix the listed field(s) of the ${definition.name} task`,
    });
  const parse = (params: unknown, where = definition.name): z.output<S> => {
    const result = definition.params.safeParse(params);
    if (result.success) return result.data;
    throw badInput(result.error, where);
  };
  const atBoundary = (raw: unknown): BoundaryParams<z.output<S>> => {
    const { shown, found } = showKnownAfterApply(raw);
    const result = definition.params.safeParse(shown);
    if (result.success) return { params: result.data, knownAfterApply: found };
    return found.length > 0 ? { knownAfterApply: found } : { knownAfterApply: found, invalid: result.error };
  };
  return {
    name: definition.name,
    definition: def,
    parse,
    atBoundary,
    run: async (transport, params, options = {}) => {
      const boundary = atBoundary(params);
      if (boundary.invalid) throw badInput(boundary.invalid, definition.name);
      return runModule(def, transport, boundary, options);
    },
  };
}

export function createModuleContext(transport: Transport, options: ModuleRunOptions, facts: FactCache): ModuleContext {
  return moduleContext({ transport, facts }, options).ctx;
}

/** The context, and the target it works on now (a reconnect replaces it). */
function moduleContext(target: ModuleTarget, options: ModuleRunOptions): { ctx: ModuleContext; current(): ModuleTarget } {
  let current = target;
  const withDefaults = (o?: RunOptions): RunOptions => ({
    become: options.become,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    ...o,
  });
  const factReadOptions = { become: options.become, signal: options.signal, timeoutMs: options.timeoutMs };
  const reconnect = options.reconnect ?? reconnectThroughTransport(target);
  const ctx: ModuleContext = {
    host: target.transport.host,
    get transport() {
      return current.transport;
    },
    become: options.become,
    signal: options.signal,
    run: (command, o) => current.transport.run(command, withDefaults(o)),
    exec: async (command, o) => {
      const result = await current.transport.run(command, withDefaults(o));
      if (result.exitCode !== 0) {
        throw new MeshbookError('COMMAND_FAILED', `command failed with exit code ${result.exitCode}`, {
          host: current.transport.host,
          command: command.display,
          exitCode: result.exitCode,
          stdout: result.stdout,
          stderr: result.stderr,
        });
      }
      return result;
    },
    put: (path, content, o) => current.transport.put(path, content, { become: options.become, signal: options.signal, ...o }),
    get: (path, o) => current.transport.get(path, { become: options.become, signal: options.signal, ...o }),
    // The task's timeout bounds the fact commands its gather runs itself, as it bounds `run`.
    fact: (request) => current.facts.get(request, factReadOptions),
    facts: (requests) => current.facts.gather(requests, factReadOptions),
    progress: (line) => options.onProgress?.(line),
    ...(reconnect
      ? {
          reconnect: async (request: ReconnectRequest) => {
            current = await reconnect({ ...request, signal: options.signal });
          },
        }
      : {}),
  };
  return { ctx, current: () => current };
}

/**
 * Outside a run (a module used as a library): the transport connects again itself, and the facts
 * cached from the old connection are dropped. Undefined for a transport that cannot.
 */
function reconnectThroughTransport({ transport, facts }: ModuleTarget): Reconnect | undefined {
  if (!transport.reconnect) return undefined;
  return async ({ timeoutMs, signal, ready }) => {
    facts.invalidate();
    await transport.reconnect!({ timeoutMs, ...(signal ? { signal } : {}), ...(ready ? { ready } : {}) });
    return { transport, facts };
  };
}

/** The one code path for check and apply: facts, gather, plan, then apply only when not in check mode. */
export async function runModule<P, D extends DeclaredFacts, F, C extends AnyChange, O>(
  def: ModuleDefinition<P, D, F, C, O>,
  transport: Transport,
  boundary: BoundaryParams<P>,
  options: ModuleRunOptions = {},
): Promise<ModuleResult<C, O>> {
  const started = Date.now();
  const check = options.check === true;
  const unknown = boundary.knownAfterApply;
  const result = (changes: C[], output: O | KnownAfterApply | undefined): ModuleResult<C, O> => ({
    module: def.name,
    host: transport.host,
    changed: changes.length > 0,
    changes,
    diff: options.diff && changes.length > 0 ? renderDiff(changes) : undefined,
    check,
    output,
    knownAfterApply: unknown.length > 0,
    durationMs: Date.now() - started,
  });
  if (unknown.length > 0) {
    const what = unknown.map((u) => u.description).join(', ');
    if (!check) {
      throw new MeshbookError('KNOWN_AFTER_APPLY', `${def.name}: ${what} is known only after apply, and this is not check mode`, {
        host: transport.host,
        hint: 'a value that only exists after apply reached a real run: this is a bug in the playbook or the engine',
      });
    }
    if (boundary.params === undefined) {
      const change = { kind: 'known-after-apply', target: def.name, summary: `known after apply: ${what}`, payload: null } as AnyChange as C;
      return result([change], new KnownAfterApply(`${def.name} output on ${transport.host}`));
    }
  }
  const params = boundary.params as P;
  const facts = options.facts ?? new FactCache(transport, { become: options.become, signal: options.signal });
  const { ctx, current } = moduleContext({ transport, facts }, options);
  const declared = def.facts ? await ctx.facts(def.facts(params)) : ({} as FactsOf<D>);
  const gathered = def.gather ? await def.gather(ctx, params, declared) : (declared as unknown as F);
  let changes = def.plan(gathered, params);
  if (changes.length === 0 && unknown.length > 0) {
    // Planned with a value's text in place of the value: the real value may well differ.
    changes = [{ kind: 'known-after-apply', target: def.name, summary: `known after apply: ${unknown.map((u) => u.description).join(', ')}`, payload: null } as AnyChange as C];
  }
  if (changes.length === 0) return result(changes, def.output?.(gathered, params));
  if (check) return result(changes, new KnownAfterApply(`${def.name} output on ${transport.host}`));
  const trailing = options.readsAfterApply ? readsBehindApply(def, changes, params, facts, options) : undefined;
  let succeeded = false;
  try {
    const applied = await def.apply(trailing ? trailing.ctx(ctx) : ctx, changes, params);
    succeeded = true;
    return result(changes, applied === undefined ? def.output?.(gathered, params) : applied);
  } finally {
    // The cache of the connection apply ended on: a new one after a reconnect.
    const written = def.writes ? writtenPaths(() => def.writes!(changes, params)) : undefined;
    if (written) current().facts.invalidateWrites(written);
    else current().facts.invalidate(def.invalidates);
    if (succeeded && current().facts === facts) trailing?.keep(written === undefined);
  }
}

/**
 * The facts later tasks need that this change makes stale, read behind apply's first command in
 * its round trip (the command's own trailer). Exact only when that command is apply's last: any
 * other transport use by apply after it, a different user, or a failure discards the answers
 * (the tasks read them themselves, as without the trailer).
 */
function readsBehindApply<P, C extends AnyChange>(
  def: ModuleDefinition<P, any, any, C, any>,
  changes: C[],
  params: P,
  facts: FactCache,
  options: ModuleRunOptions,
): { ctx(inner: ModuleContext): ModuleContext; keep(wholeDrop: boolean): void } | undefined {
  const reads = options.readsAfterApply!;
  const written = def.writes ? writtenPaths(() => def.writes!(changes, params)) : undefined;
  let requests: readonly FactRequest[];
  try {
    requests = reads.plan(written);
  } catch {
    return undefined;
  }
  if (requests.length === 0) return undefined;
  const trailer = facts.trailerOf(requests, options.become);
  if (trailer.commands.length === 0) return undefined;
  let state: 'unsent' | 'sent' | 'void' = 'unsent';
  let answers: CommandResult[] | undefined;
  /** The first command's options with the trailer on it, when it runs as the task's user; any later command voids the plan. */
  const riding = <O extends { become?: Become | undefined; trailer?: CommandTrailer | undefined }>(o: O | undefined): O | undefined => {
    if (state !== 'unsent' || !sameBecome(o?.become ?? options.become, options.become)) {
      state = 'void';
      return o;
    }
    state = 'sent';
    return Object.assign({}, o, { trailer: { commands: trailer.commands, settle: (results: CommandResult[] | undefined) => void (answers = results) } });
  };
  const other = () => void (state = 'void');
  return {
    ctx: (inner) => ({
      ...inner,
      // Apply working on the transport itself (a kube API, a forward) is beyond this plan: no answers kept.
      get transport() {
        other();
        return inner.transport;
      },
      run: (command, o) => inner.run(command, riding(o)),
      exec: (command, o) => inner.exec(command, riding(o)),
      put: (path, content, o) => inner.put(path, content, riding(o)),
      get: (path, o) => {
        other();
        return inner.get(path, o);
      },
      fact: (request) => {
        other();
        return inner.fact(request);
      },
      facts: (declared) => {
        other();
        return inner.facts(declared);
      },
      ...(inner.reconnect
        ? {
            reconnect: (request: ReconnectRequest) => {
              other();
              return inner.reconnect!(request);
            },
          }
        : {}),
    }),
    keep: (wholeDrop) => {
      if (state !== 'sent' || !answers) return;
      // After a change of unknown reach the runner drops the whole cache before refilling it:
      // so does this, then the answers read after the change are the refill.
      if (wholeDrop) facts.invalidate();
      trailer.accept(answers);
      if (wholeDrop) reads.refilled?.(facts);
    },
  };
}
