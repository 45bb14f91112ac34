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
