import type { z } from 'zod';
import { MeshbookError } from '../errors.js';
import { UnknownValueError, isKnownAfterApply } from '../module/unknown.js';
import type { HostContext, ResultRef, TaskResult } from './types.js';
import type { Vars } from '../inventory/types.js';

/**
 * Thrown by result()/output() while validating: registered results do not exist before the run,
 * so validation skips whatever reads one.
 */
export class RegisteredResultUnavailable extends Error {
  constructor(readonly ref: string) {
    super(`registered result "${ref}" is not available before the run`);
    this.name = 'RegisteredResultUnavailable';
  }
}

export interface HostContextSource {
  name: string;
  vars: Readonly<Vars>;
  groups: Readonly<Record<string, readonly string[]>>;
  groupNames: readonly string[];
  check: boolean;
  /** Another host's merged vars; undefined for a host not in the inventory. */
  hostvars(host: string): Readonly<Vars> | undefined;
  /** A registered result; throws RegisteredResultUnavailable during validation. */
  lookupResult(host: string, name: string): TaskResult | undefined;
}

export function createHostContext(source: HostContextSource): HostContext {
  const { name } = source;
  const result = <O>(ref: ResultRef<O>, host?: string): TaskResult<O> | undefined =>
    source.lookupResult(host ?? name, ref.name) as TaskResult<O> | undefined;
  return {
    name,
    vars: source.vars,
    groups: source.groups,
    groupNames: source.groupNames,
    check: source.check,
    var<S extends z.ZodType>(variable: string, schema: S): z.output<S> {
      const parsed = schema.safeParse(source.vars[variable]);
      if (parsed.success) return parsed.data;
      const issues = parsed.error.issues.map((i) => `variable "${[variable, ...i.path.map(String)].join('.')}": ${i.message}`);
      throw new MeshbookError('BAD_INPUT', `host "${name}": ${issues.join('; ')}`, {
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
      if (isKnownAfterApply(registered.output)) throw new UnknownValueError(registered.output.description);
      return registered.output as O;
    },
  };
}
