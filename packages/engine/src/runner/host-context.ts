import type { z } from 'zod';
import { MeshbookError } from '../errors.js';
import type { HostFacts } from '../module/host-facts.js';
import { KnownAfterApply } from '../module/unknown.js';
import { variableProblems } from '../module/validation.js';
import type { HostContext, ResultRef, TaskResult } from './types.js';
import type { Vars } from '../inventory/types.js';

export interface HostContextSource {
  name: string;
  vars: Readonly<Vars>;
  groups: Readonly<Record<string, readonly string[]>>;
  groupNames: readonly string[];
  check: boolean;
  /** Another host's merged vars; undefined for a host not in the inventory. */
  hostvars(host: string): Readonly<Vars> | undefined;
  /** A registered result; throws NotKnownYet during validation. */
  lookupResult(host: string, name: string): TaskResult | undefined;
  /** This host's facts; throws NotKnownYet until they are fetched. */
  hostFacts(): HostFacts;
  /**
   * What `output(ref)` gives for a result not registered yet; absent: a BAD_INPUT error. Prefetch's
   * speculative look-ahead sets it (speculativeOutput), never a real run.
   */
  unregisteredOutput?(ref: string, host: string): unknown;
}

/** The text a speculative stand-in shows as; a fact request whose args hold it is not prefetched. */
export const SPECULATIVE_MARK = '(not known yet: ';

/**
 * A stand-in for a registered output that does not exist yet, for prefetch to learn which facts
 * a later task will read before the task that registers its input has run: any property or call
 * on it gives it back, and as text it is a marker. Params built from it are a guess, used only to
 * find fact requests that do not depend on it (the `dest` of a copy whose content is a command's
 * output); a params function it leads astray merely prefetches nothing, or a fact never read.
 */
export function speculativeOutput(description: string): unknown {
  const text = `${SPECULATIVE_MARK}${description})`;
  const standIn: object = new Proxy(function unknownOutput() {}, {
    get(_target, property) {
      if (property === Symbol.toPrimitive || property === 'toString' || property === 'valueOf' || property === 'toJSON') return () => text;
      // Neither a promise nor iterable: awaiting or spreading it must not loop.
      if (property === 'then' || property === Symbol.iterator || property === Symbol.asyncIterator) return undefined;
      return standIn;
    },
    apply: () => standIn,
    construct: () => standIn,
  });
  standIns.set(standIn, text);
  return standIn;
}

const standIns = new WeakMap<object, string>();

/** Raw params with every stand-in (in plain objects and arrays) replaced by its text, for the params schema. */
export function showStandIns(raw: unknown): unknown {
  if ((typeof raw === 'function' || typeof raw === 'object') && raw !== null && standIns.has(raw)) return standIns.get(raw);
  if (Array.isArray(raw)) return raw.map(showStandIns);
  if (raw !== null && typeof raw === 'object' && Object.getPrototypeOf(raw) === Object.prototype) {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, showStandIns(v)]));
  }
  return raw;
}

/** How many times params read something that can change during a run (results, host facts). */
const changingReads = new WeakMap<HostContext, { count: number }>();

/** Reads of registered results and host facts so far: params that read none give the same answer every time. */
export function changingReadsOf(ctx: HostContext): number {
  return changingReads.get(ctx)?.count ?? 0;
}

export function createHostContext(source: HostContextSource): HostContext {
  const { name } = source;
  const reads = { count: 0 };
  const result = <O>(ref: ResultRef<O>, host?: string): TaskResult<O> | undefined => {
    reads.count++;
    return source.lookupResult(host ?? name, ref.name) as TaskResult<O> | undefined;
  };
  const ctx: HostContext = {
    name,
    get facts(): HostFacts {
      reads.count++;
      return source.hostFacts();
    },
    vars: source.vars,
    groups: source.groups,
    groupNames: source.groupNames,
    check: source.check,
    var<S extends z.ZodType>(variable: string, schema: S): z.output<S> {
      const parsed = schema.safeParse(source.vars[variable]);
      if (parsed.success) return parsed.data;
      throw new MeshbookError('BAD_INPUT', `host "${name}": ${variableProblems(parsed.error, variable).join('; ')}`, {
        host: name,
        hint: `set "${variable}" in the inventory (host_vars, group_vars), the play's vars, or with -e`,
      });
    },
    hostvars(host: string): Readonly<Vars> {
      const vars = source.hostvars(host);
      if (!vars) throw new MeshbookError('BAD_INPUT', `host "${name}" asked for the vars of "${host}", which is not in the inventory`, { host: name });
      return vars;
    },
    result,
    output<O>(ref: ResultRef<O>, host?: string): O {
      const owner = host ?? name;
      const registered = result(ref, owner);
      if (!registered && source.unregisteredOutput) return source.unregisteredOutput(ref.name, owner) as O;
      if (!registered) {
        throw new MeshbookError('BAD_INPUT', `no result "${ref.name}" is registered on host "${owner}" (the task has not run there)`, {
          host: name,
          hint: `make sure the task registering "${ref.name}" runs on "${owner}" before this one`,
        });
      }
      // Thrown, not returned: the engine catches it at the params boundary (check mode: a planned change).
      if (registered.output instanceof KnownAfterApply) throw registered.output;
      return registered.output as O;
    },
  };
  changingReads.set(ctx, reads);
  return ctx;
}
