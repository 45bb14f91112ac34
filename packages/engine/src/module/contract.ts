import type { z } from 'zod';
import type { ShellCommand } from '../command.js';
import { MeshbookError } from '../errors.js';
import type { Become, CommandResult, GetOptions, PutOptions, RunOptions, Transport } from '../transport/types.js';
import type { Change } from './change.js';
import { renderDiff } from './diff.js';
import { FactCache } from './facts.js';
import type { FactRequest } from './facts.js';
import { KnownAfterApply } from './unknown.js';
import { formatZodIssues } from './validation.js';

/** What gather and apply may use. Gather must only read; apply is the only place that writes. */
export interface ModuleContext {
  readonly host: string;
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
  /** Several facts in one round trip. */
  facts<T extends Record<string, FactRequest>>(requests: T): Promise<{ [K in keyof T]: T[K] extends FactRequest<infer R> ? R : never }>;
  /** A progress line for long work (apt installs); reporters show it live. */
  progress(line: string): void;
}

export interface ModuleDefinition<P, F, C extends Change, O> {
  /** Module name as used in task output and error paths: 'sysctl', 'apt', 'file'. */
  name: string;
  /** Parameter schema. Parsed before any host is touched. */
  params: z.ZodType<P>;
  /** Read-only: ask for facts. Must not change the host. */
  gather(ctx: ModuleContext, params: P): Promise<F>;
  /** Pure and synchronous: the changes that bring the host from `facts` to `params`. */
  plan(facts: F, params: P): C[];
  /**
   * Carries out the planned changes (all of them, in order; modules may batch, e.g. one apt-get
   * install for several packages). Returns the module's output, if it has one.
   */
  apply(ctx: ModuleContext, changes: C[], params: P, facts: F): Promise<O | void>;
  /** The module's output when nothing was applied (no change, or read-only work done in gather). */
  output?(facts: F, params: P): O;
  /** Fact names apply makes stale; default: the host's whole fact cache is dropped after apply. */
  invalidates?: readonly string[];
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
}

export interface ModuleResult<C extends Change = Change, O = unknown> {
  module: string;
  host: string;
  changed: boolean;
  changes: C[];
  /** Rendered diff, present when requested and something changed. */
  diff: string | undefined;
  check: boolean;
  /** Output after apply, or without change; KnownAfterApply in check mode when a change is planned. */
  output: O | KnownAfterApply | undefined;
  durationMs: number;
}

export interface Module<P, F, C extends Change, O, I = P> {
  readonly name: string;
  readonly definition: ModuleDefinition<P, F, C, O>;
  /** Validates raw params: the parsed value, or a BAD_INPUT error naming each field and what was expected. */
  parse(params: unknown, where?: string): P;
  /** Gather, plan and (unless check) apply on one host. Usable from any TypeScript program. */
  run(transport: Transport, params: I, options?: ModuleRunOptions): Promise<ModuleResult<C, O>>;
}

export type AnyModule = Module<any, any, any, any, any>;
export type ModuleParamsInput<M> = M extends Module<any, any, any, any, infer I> ? I : never;
export type ModuleOutput<M> = M extends Module<any, any, any, infer O, any> ? O : never;

export function defineModule<S extends z.ZodType, F, C extends Change, O = undefined>(
  definition: Omit<ModuleDefinition<z.output<S>, F, C, O>, 'params'> & { params: S },
): Module<z.output<S>, F, C, O, z.input<S>> {
  const def = definition as unknown as ModuleDefinition<z.output<S>, F, C, O>;
  const parse = (params: unknown, where = definition.name): z.output<S> => {
    const result = definition.params.safeParse(params);
    if (result.success) return result.data;
    throw new MeshbookError('BAD_INPUT', `invalid parameters for ${where}:\n${formatZodIssues(result.error, where)}`, {
      hint: `fix the listed field(s) of the ${definition.name} task`,
    });
  };
  return {
    name: definition.name,
    definition: def,
    parse,
    run: async (transport, params, options = {}) => runModule(def, transport, parse(params), options),
  };
}

export function createModuleContext(transport: Transport, options: ModuleRunOptions, facts: FactCache): ModuleContext {
  const withDefaults = (o?: RunOptions): RunOptions => ({
    become: options.become,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    ...o,
  });
  const factReadOptions = { become: options.become, signal: options.signal, timeoutMs: options.timeoutMs };
  const ctx: ModuleContext = {
    host: transport.host,
    transport,
    become: options.become,
    signal: options.signal,
    run: (command, o) => transport.run(command, withDefaults(o)),
    exec: async (command, o) => {
      const result = await transport.run(command, withDefaults(o));
      if (result.exitCode !== 0) {
        throw new MeshbookError('COMMAND_FAILED', `command failed with exit code ${result.exitCode}`, {
          host: transport.host,
          command: command.display,
          exitCode: result.exitCode,
          stdout: result.stdout,
          stderr: result.stderr,
        });
      }
      return result;
    },
    put: (path, content, o) => transport.put(path, content, { become: options.become, signal: options.signal, ...o }),
    get: (path, o) => transport.get(path, { become: options.become, signal: options.signal, ...o }),
    // The task's timeout bounds the fact commands its gather runs itself, as it bounds `run`.
    fact: (request) => facts.get(request, factReadOptions),
    facts: (requests) => facts.gather(requests, factReadOptions),
    progress: (line) => options.onProgress?.(line),
  };
  return ctx;
}

/** The one code path for check and apply: gather, plan, then apply only when not in check mode. */
export async function runModule<P, F, C extends Change, O>(
  def: ModuleDefinition<P, F, C, O>,
  transport: Transport,
  params: P,
  options: ModuleRunOptions = {},
): Promise<ModuleResult<C, O>> {
  const started = Date.now();
  const facts = options.facts ?? new FactCache(transport, { become: options.become, signal: options.signal });
  const ctx = createModuleContext(transport, options, facts);
  const gathered = await def.gather(ctx, params);
  const changes = def.plan(gathered, params);
  const check = options.check === true;
  let output: O | KnownAfterApply | undefined;
  if (changes.length === 0) {
    output = def.output?.(gathered, params);
  } else if (check) {
    output = new KnownAfterApply(`${def.name} output on ${transport.host}`);
  } else {
    try {
      const applied = await def.apply(ctx, changes, params, gathered);
      output = applied === undefined ? def.output?.(gathered, params) : applied;
    } finally {
      facts.invalidate(def.invalidates);
    }
  }
  return {
    module: def.name,
    host: transport.host,
    changed: changes.length > 0,
    changes,
    diff: options.diff && changes.length > 0 ? renderDiff(changes) : undefined,
    check,
    output,
    durationMs: Date.now() - started,
  };
}
