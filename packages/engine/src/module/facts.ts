import { quote, sh } from '../command.js';
import type { ShellCommand } from '../command.js';
import { MeshbookError } from '../errors.js';
import { newMarker } from '../transport/framing.js';
import type { Become, CommandResult, Transport } from '../transport/types.js';
import { planFactBatch, resultsOfGroup } from './fact-groups.js';
import type { FactGroupSection } from './fact-groups.js';

/**
 * A fact: a read-only command and a pure parser of its result (pyinfra's facts). Facts are cached
 * per host for the run, keyed by name and arguments, and dropped by modules that change them.
 */
export interface FactDefinition<A, R> {
  name: string;
  command(args: A): ShellCommand;
  parse(result: CommandResult, args: A): R;
  /**
   * The result is an observation at one moment, not a state to share: a user's read-only command
   * (`date`, a uuid, a cluster's node list) may answer differently on every run, and what it reads
   * is unknown. Such a fact may be fetched ahead (prefetch), but each value is handed to exactly
   * one read and then dropped: two reads never share one result, a read with nothing fetched ahead
   * runs the command itself, and any change on the host drops what is waiting.
   */
  singleUse?: boolean;
  /**
   * The paths on the host whose state the answer depends on (a file fact: its path and, once
   * known, where its links lead). Absent: unknown, and any change on the host drops the answer.
   * With it, only a change whose module names a write at, under or above one of these paths drops
   * it (ModuleDefinition.writes): the other facts fetched with the play's batch stay good.
   */
  reads?(args: A, value: R): readonly string[];
  /**
   * Several requests of this fact in one batch as one remote command (one `stat` for many paths
   * instead of a process or two per path). The script wraps each request's part in its section
   * (`${begin}; ...; ${end}`, the part's last status being its exit code); the engine splits the
   * output back into each request's own result, which `parse` reads as it reads `command`'s. Each
   * part must print exactly what `command(args)` alone prints, and a part that fails must not stop
   * the next. When the output cannot be split whole (past the output cap), the requests run their
   * own commands instead.
   */
  grouped?(args: readonly A[], sections: readonly FactGroupSection[], shared?: FactGroupSection): ShellCommand;
  /**
   * With `grouped`: the group also prints a shared section (`shared`, after every member's), for
   * work done once for many members (one read of many files' contents); this gives each member's
   * own result from its part and that section's output. It must give exactly what the member's own
   * command gives, or undefined (also when it throws) when it cannot be sure: every member then
   * runs its own command.
   */
  groupedResults?(args: readonly A[], parts: readonly CommandResult[], shared: CommandResult): CommandResult[] | undefined;
}

// Registered (Symbol.for): a playbook compiled apart may load its own copy of the engine.
const FACT_REQUEST = Symbol.for('meshbook.factRequest');

/** One fact asked for with its arguments: what a module's `facts` declares and the cache keys by. */
export interface FactRequest<R = unknown> {
  readonly fact: FactDefinition<any, R>;
  readonly args: unknown;
  readonly [FACT_REQUEST]: true;
}

/**
 * A defined fact: call it with its arguments to make a request (`sysctlValue('net.ipv4.ip_forward')`);
 * name it as a value in a module's `invalidates`.
 */
export interface Fact<A, R> {
  (args: A): FactRequest<R>;
  readonly definition: FactDefinition<A, R>;
}

export function defineFact<A, R>(definition: FactDefinition<A, R>): Fact<A, R> {
  const fact = (args: A): FactRequest<R> => ({ fact: definition, args, [FACT_REQUEST]: true });
  return Object.assign(fact, { definition });
}

export function isFactRequest(value: unknown): value is FactRequest {
  return typeof value === 'object' && value !== null && FACT_REQUEST in value;
}

/**
 * The facts a module reads, declared from its params: one request, or a record whose entries are
 * a request, a record of requests (one per key, package, path...), or null/undefined for one not
 * needed with these params.
 */
export type DeclaredFacts = FactRequest | Readonly<Record<string, FactRequest | Readonly<Record<string, FactRequest>> | null | undefined>>;

/** The answer to one declared entry (distributes over `request | null`). */
export type AnswerOf<T> = T extends FactRequest<infer R>
  ? R
  : T extends null | undefined
    ? T
    : T extends Readonly<Record<string, FactRequest>>
      ? { [J in keyof T]: T[J] extends FactRequest<infer R> ? R : never }
      : never;

/** The answers to a declaration, shaped like it: each request replaced by its fact's result. */
export type FactsOf<D> = D extends FactRequest<infer R> ? R : { -readonly [K in keyof D]: AnswerOf<D[K]> };

/** Every request of a declaration, in order (what prefetch batches). */
export function requestsOf(declared: DeclaredFacts): FactRequest[] {
  if (isFactRequest(declared)) return [declared];
  const out: FactRequest[] = [];
  for (const value of Object.values(declared)) {
    if (value === null || value === undefined) continue;
    if (isFactRequest(value)) out.push(value);
    else out.push(...Object.values(value));
  }
  return out;
}

/** How a task reads facts: as whom, and within the task's limits for what it runs itself. */
export interface FactReadOptions {
  become?: Become;
  /** Bounds the commands this read runs (not what was fetched ahead); default the cache's. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The per-host fact cache. `gather` resolves several facts in one round trip: uncached commands run
 * as one batch of the transport (runBatch), each with its own stdin (/dev/null) and its stdout,
 * stderr and exit code framed apart. Single-use facts are never cached, only held from a
 * prefetch until their one reader takes them.
 */
export class FactCache {
  readonly #cache = new Map<string, unknown>();
  /** Per cached key: the paths its answer depends on (none recorded: unknown, dropped by any write). */
  readonly #reads = new Map<string, readonly string[]>();
  #wholeDrops = 0;
  /** Prefetched single-use values, each waiting for its one reader. */
  readonly #unread = new Map<string, unknown>();

  constructor(
    private readonly transport: Transport,
    private readonly defaults: { become?: Become; signal?: AbortSignal; timeoutMs?: number } = {},
  ) {}

  async get<R>(request: FactRequest<R>, options: FactReadOptions = {}): Promise<R> {
    const [value] = await this.#resolve([request], options);
    return value as R;
  }

  /** A module's declared facts in one round trip (what is cached or prefetched costs none). */
  async gather<D extends DeclaredFacts>(declared: D, options: FactReadOptions = {}): Promise<FactsOf<D>> {
    const values = await this.#resolve(requestsOf(declared), options);
    if (isFactRequest(declared)) return values[0] as FactsOf<D>;
    let next = 0;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(declared)) {
      if (value === null || value === undefined) out[key] = value;
      else if (isFactRequest(value)) out[key] = values[next++];
      else out[key] = Object.fromEntries(Object.keys(value).map((k) => [k, values[next++]]));
    }
    return out as FactsOf<D>;
  }

  async #resolve(requests: readonly FactRequest[], options: FactReadOptions): Promise<unknown[]> {
    const asUser = options.become ?? this.defaults.become;
    const out: unknown[] = [];
    const missing: Array<{ index: number; cacheKey: string; request: FactRequest }> = [];
    requests.forEach((request, index) => {
      const cacheKey = cacheKeyOf(request, asUser);
      if (request.fact.singleUse) {
        if (this.#unread.has(cacheKey)) {
          out[index] = this.#unread.get(cacheKey);
          this.#unread.delete(cacheKey);
        } else missing.push({ index, cacheKey, request });
      } else if (this.#cache.has(cacheKey)) out[index] = this.#cache.get(cacheKey);
      else missing.push({ index, cacheKey, request });
    });
    if (missing.length > 0) {
      const results = await this.#fetch(
        missing.map((m) => m.request),
        asUser,
        { signal: options.signal ?? this.defaults.signal, timeoutMs: options.timeoutMs ?? this.defaults.timeoutMs },
      );
      missing.forEach((m, i) => {
        // No guards given: every request ran.
        const value = this.#parse(m.request, results[i] as CommandResult);
        if (!m.request.fact.singleUse) this.#store(m.cacheKey, m.request, value);
        out[m.index] = value;
      });
    }
    return out;
  }

  /** A lasting fact already in the cache, without a round trip (host facts read by params). */
  peek<R>(request: FactRequest<R>, become?: Become): { value: R } | undefined {
    const cacheKey = cacheKeyOf(request, become ?? this.defaults.become);
    return this.#cache.has(cacheKey) ? { value: this.#cache.get(cacheKey) as R } : undefined;
  }

  /**
   * Resolves many facts (of several tasks) in one round trip per become user, ahead of the tasks
   * that will ask for them. Best effort: a fact whose parser fails is left uncached, so the task's
   * own gather runs it again and reports the failure where it belongs.
   *
   * Requests with the same key are fetched once. For a single-use fact that one value goes to the
   * first task that reads it; a second task asking the same runs its own command when it gets there.
   * A single-use request with a guard runs only when the guard holds (PrefetchGuard).
   */
  async prefetch(requests: ReadonlyArray<{ request: FactRequest; become: Become | undefined; guard?: PrefetchGuard | undefined }>): Promise<void> {
    const groups = new Map<string, { become: Become | undefined; pending: Map<string, FactRequest>; guards: Map<string, PrefetchGuard> }>();
    for (const { request, become, guard } of requests) {
      const asUser = become ?? this.defaults.become;
      const cacheKey = cacheKeyOf(request, asUser);
      // A single-use value still unread is replaced by this batch's.
      if (!request.fact.singleUse && this.#cache.has(cacheKey)) continue;
      const groupKey = JSON.stringify(asUser ?? false);
      let group = groups.get(groupKey);
      if (!group) groups.set(groupKey, (group = { become: asUser, pending: new Map(), guards: new Map() }));
      // The same request twice: its one value goes to the first reader, so the first one's guard holds.
      if (!group.pending.has(cacheKey) && request.fact.singleUse && guard && guard.exist.length > 0) group.guards.set(cacheKey, guard);
      group.pending.set(cacheKey, request);
    }
    for (const { become, pending, guards } of groups.values()) {
      const entries = [...pending.entries()];
      const results = await this.#fetch(entries.map(([, r]) => r), become, this.defaults, entries.map(([key]) => guards.get(key)));
      entries.forEach(([cacheKey, request], i) => {
        // Guarded and not run: the task runs its own command when it gets there.
        if (results[i] === GUARD_SKIPPED) return;
        // Cut output is left for the task's own gather, which refuses it where it belongs.
        if (results[i]!.truncated) return;
        try {
          const value = request.fact.parse(results[i]!, request.args);
          if (request.fact.singleUse) this.#unread.set(cacheKey, value);
          else this.#store(cacheKey, request, value);
        } catch {
          // left for the task's own gather, which reports it with its context
        }
      });
    }
  }

  /**
   * Whether a lasting fact will have to be read from the host after a change that wrote `written`
   * (undefined: a change of unknown reach): not cached, its reads unknown, or a write touches them.
   */
  staleAfter(request: FactRequest, become: Become | undefined, written: readonly WrittenPath[] | undefined): boolean {
    const cacheKey = cacheKeyOf(request, become ?? this.defaults.become);
    if (written === undefined || !this.#cache.has(cacheKey)) return true;
    const reads = this.#reads.get(cacheKey);
    return !reads || reads.some((read) => written.some((path) => touches(path, read)));
  }

  /**
   * Lasting facts to read behind a command of a change (CommandTrailer), as `become`: the commands,
   * and `accept` to cache what they answered, once the change's own invalidation is done. As with
   * prefetch, an answer that cannot be split, is cut, or does not parse is left to the task's gather.
   */
  trailerOf(requests: readonly FactRequest[], become: Become | undefined): { commands: ShellCommand[]; accept(results: readonly CommandResult[]): void } {
    const lasting = requests.filter((r) => !r.fact.singleUse);
    const planned = planFactBatch(lasting);
    const asUser = become ?? this.defaults.become;
    return {
      commands: planned.map((p) => p.command),
      accept: (results) => {
        planned.forEach((part, i) => {
          const result = results[i];
          if (!result) return;
          const split = resultsOfGroup(part, result);
          if (!split) return;
          part.members.forEach((member, j) => {
            const request = lasting[member]!;
            const answer = split[j]!;
            if (answer.truncated) return;
            try {
              this.#store(cacheKeyOf(request, asUser), request, request.fact.parse(answer, request.args));
            } catch {
              // left for the task's own gather, which reports it with its context
            }
          });
        });
      },
    };
  }

  #store(cacheKey: string, request: FactRequest, value: unknown): void {
    this.#cache.set(cacheKey, value);
    const reads = request.fact.reads?.(request.args, value);
    if (reads) this.#reads.set(cacheKey, reads);
    else this.#reads.delete(cacheKey);
  }

  /**
   * Drops cached facts: all of them, or those of the facts listed. Single-use values waiting for
   * their reader go either way: what such a command reads is unknown, so any change may touch it.
   */
  invalidate(facts?: readonly Fact<any, any>[]): void {
    this.#unread.clear();
    this.#wholeDrops++;
    if (!facts) {
      this.#cache.clear();
      this.#reads.clear();
      return;
    }
    const names = facts.map((f) => f.definition.name);
    for (const key of [...this.#cache.keys()]) {
      if (names.some((n) => key.startsWith(`${n}\u0000`))) this.#delete(key);
    }
  }

  /**
   * After a change that wrote exactly `paths` (and whatever lies under them, unless an entry says
   * only the path itself changed): drops the facts whose reads are at, under or above one of them,
   * and every fact whose reads are unknown. The rest were not touched and stay (per-path
   * invalidation).
   */
  invalidateWrites(paths: readonly WrittenPath[]): void {
    this.#unread.clear();
    for (const key of [...this.#cache.keys()]) {
      const reads = this.#reads.get(key);
      if (!reads || reads.some((read) => paths.some((written) => touches(written, read)))) this.#delete(key);
    }
  }

  /**
   * How many times the cache was dropped other than by path (invalidate): a change whose reach is
   * not known. The prefetcher compares it to decide whether the play's remaining checks need a
   * new batch.
   */
  get wholeDrops(): number {
    return this.#wholeDrops;
  }

  #delete(key: string): void {
    this.#cache.delete(key);
    this.#reads.delete(key);
  }

  /** Drops these requests' cached answers (as any user): the next read asks the host again. */
  forget(requests: readonly FactRequest[]): void {
    const prefixes = requests.map((r) => `${r.fact.name}\u0000${JSON.stringify(r.args ?? null)}\u0000`);
    for (const key of [...this.#cache.keys(), ...this.#unread.keys()]) {
      if (prefixes.some((prefix) => key.startsWith(prefix))) {
        this.#delete(key);
        this.#unread.delete(key);
      }
    }
  }

  /** Drops the single-use values fetched ahead that no task has read (the cache stays). */
  dropUnread(): void {
    this.#unread.clear();
  }

  /** A parser's failure names the host and the fact, so the user knows where to look. */
  #parse(request: FactRequest, result: CommandResult): unknown {
    // A fact parsed from cut output would describe a host that does not exist (a config read as
    // shorter than it is): refused.
    if (result.truncated) {
      throw new MeshbookError('MODULE_FAILED', `fact ${request.fact.name}: its output went past the output cap (${result.truncated.stdout} bytes of stdout, ${result.truncated.stderr} of stderr dropped)`, {
        host: this.transport.host,
        hint: 'the state read is too large to hold; check what the command prints',
      });
    }
    try {
      return request.fact.parse(result, request.args);
    } catch (error) {
      if (error instanceof MeshbookError) {
        if (error.host) throw error;
        throw new MeshbookError(error.code, error.message, { host: this.transport.host, hint: error.hint, cause: error });
      }
      throw new MeshbookError('MODULE_FAILED', `fact ${request.fact.name}: ${(error as Error).message}`, {
        host: this.transport.host,
        stderr: result.stderr,
        exitCode: result.exitCode,
        cause: error,
      });
    }
  }

  /**
   * Each request's result in one round trip: requests of a fact with a grouped form share one
   * command (planFactBatch). A group whose output cannot be split whole runs its requests' own
   * commands in one more round trip, so every request gets the result its own command gives. A
   * guarded request (prefetch) whose guard did not hold gets GUARD_SKIPPED instead of a result.
   */
  async #fetch(
    requests: readonly FactRequest[],
    become: Become | undefined,
    limits: { signal?: AbortSignal; timeoutMs?: number },
    guards: ReadonlyArray<PrefetchGuard | undefined> = [],
  ): Promise<Array<CommandResult | typeof GUARD_SKIPPED>> {
    const planned = planFactBatch(requests);
    // A guard goes on a request's own command only (a grouped command answers several requests).
    const guarded = planned.map((part) => {
      const guard = part.markers ? undefined : guards[part.members[0]!];
      return guard ? guardedCommand(part.command, guard) : undefined;
    });
    const results = await this.#runBatch(planned.map((p, i) => guarded[i]?.command ?? p.command), become, limits);
    const out: Array<CommandResult | typeof GUARD_SKIPPED> = [];
    const unsplit: number[] = [];
    planned.forEach((part, i) => {
      if (guarded[i]?.skipped(results[i]!)) {
        out[part.members[0]!] = GUARD_SKIPPED;
        return;
      }
      const split = resultsOfGroup(part, results[i]!);
      if (split) part.members.forEach((member, j) => (out[member] = split[j]!));
      else unsplit.push(...part.members);
    });
    if (unsplit.length > 0) {
      const own = await this.#runBatch(unsplit.map((i) => requests[i]!.fact.command(requests[i]!.args)), become, limits);
      unsplit.forEach((member, j) => (out[member] = own[j]!));
    }
    return out;
  }

  async #runBatch(commands: ShellCommand[], become: Become | undefined, limits: { signal?: AbortSignal; timeoutMs?: number }): Promise<CommandResult[]> {
    const options = { become, signal: limits.signal, timeoutMs: limits.timeoutMs };
    try {
      if (commands.length === 1) return [await this.transport.run(commands[0]!, options)];
      // The transport's own framing (framing.ts): each command with its own stdin (/dev/null),
      // stdout, stderr and exit code, no temp files on the host, one round trip.
      return await this.transport.runBatch(commands, options);
    } catch (error) {
      throw withoutReadOutput(error);
    }
  }
}

/**
 * What a fact read printed before it failed (a timeout, an abort, a dropped connection) is the
 * state it read: files' contents, secrets among them. The error keeps its code, message, host,
 * command, exit code, stderr (why the read failed: sudo's refusal, a tool's complaint; a fact
 * prints its state on stdout, and a parser's failure shows stderr too) and hint; the stdout goes,
 * and so does the cause, which may hold the same output raw (the session's partial frames).
 */
function withoutReadOutput(error: unknown): unknown {
  if (!(error instanceof MeshbookError) || (error.stdout === undefined && error.cause === undefined)) return error;
  return new MeshbookError(error.code, error.message, { host: error.host, command: error.command, exitCode: error.exitCode, stderr: error.stderr, hint: error.hint });
}

/**
 * When a single-use request of a prefetch runs (never what it returns): only if every path of
 * `exist` exists on the host (`[ -e ]`, as the request's user), else not at all, and the task runs
 * its own command when it gets there. The play's prefetch gives the paths earlier tasks leave
 * existing (ModuleDefinition.leaves): one missing means an earlier task will change something,
 * which drops the prefetched value unread, so running it ahead would be thrown away.
 */
export interface PrefetchGuard {
  readonly exist: readonly string[];
}

const GUARD_SKIPPED = Symbol('guard skipped');

/**
 * The command behind its guard: builtins only (nothing forked), the command's own text unchanged
 * on its own lines. Not run, it exits 125 printing a fresh random marker on stderr and nothing
 * else, which no command's own output can fake.
 */
function guardedCommand(command: ShellCommand, guard: PrefetchGuard): { command: ShellCommand; skipped(result: CommandResult): boolean } {
  const marker = newMarker('MBP');
  const tests = sh.raw(guard.exist.map((path) => `[ -e ${quote(path)} ]`).join(' && '));
  const guardedText = sh`${tests} || { printf '%s\\n' ${sh.raw(marker)} >&2; exit 125; }
${command}`;
  return {
    command: guardedText,
    skipped: (result) => result.exitCode === 125 && result.stdout === '' && result.stderr === `${marker}\n` && !result.truncated,
  };
}

/**
 * A host path a change wrote (ModuleDefinition.writes): a string is the path and everything under
 * it. `{ path, below: false }` is the path alone: a directory made where nothing was is new and
 * empty, so what a fact saw under it (nothing: absent) is still so.
 */
export type WrittenPath = string | { readonly path: string; readonly below: false };

/** Whether a write changes what a fact reading `read` saw: at the path, above it, or (unless the write says not) under it. */
export function touches(written: WrittenPath, read: string): boolean {
  if (typeof written === 'string') return pathsOverlap(read, written);
  const x = normalized(read);
  const y = normalized(written.path);
  return x === y || y === '/' || x === '/' || y.startsWith(`${x}/`);
}

/** Same path, or one inside the other (a write to /etc/a drops a fact on /etc and on /etc/a/b). */
export function pathsOverlap(a: string, b: string): boolean {
  const x = normalized(a);
  const y = normalized(b);
  if (x === y || x === '/' || y === '/') return true;
  return x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}

function normalized(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}

/** Whether two reads run as the same user (the same `become`, as the cache keys it). */
export function sameBecome(a: Become | undefined, b: Become | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function cacheKeyOf(request: FactRequest, become: Become | undefined): string {
  return `${request.fact.name}\u0000${JSON.stringify(request.args ?? null)}\u0000${JSON.stringify(become ?? false)}`;
}
