import { MeshbookError } from '../errors.js';
import type { AnyModule } from '../module/contract.js';
import type { HostContext, Task } from './types.js';

/** The name a task is shown by: its own, or its module's. */
export function taskName(task: Pick<Task, 'name' | 'module'>): string {
  return task.name ?? task.module.name;
}

/** Where a task sits, for error messages: `plays[0] "prepare" tasks[3] "sysctl"`. */
export function taskPath(playIndex: number, playName: string, list: 'tasks' | 'handlers', index: number, name: string): string {
  return `plays[${playIndex}] "${playName}" ${list}[${index}] "${name}"`;
}

/** One line per schema issue: `value: Invalid input: expected string, received number`. */
export function paramIssues(module: AnyModule, raw: unknown): { ok: true; params: unknown } | { ok: false; issues: string[] } {
  const parsed = module.definition.params.safeParse(raw);
  if (parsed.success) return { ok: true, params: parsed.data };
  const issues = parsed.error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return { ok: false, issues };
}

/** Parsed params, or a BAD_INPUT error naming the task's path and each bad field. */
export function parseParams(module: AnyModule, raw: unknown, where: string): unknown {
  const parsed = paramIssues(module, raw);
  if (parsed.ok) return parsed.params;
  throw new MeshbookError('BAD_INPUT', `${where}: ${parsed.issues.join('; ')}`, { hint: `fix the listed field(s) of the ${module.name} task` });
}

/** The raw params for a host and item: the static value, or the params function's result. */
export function resolveParams(task: Task, host: HostContext, item: unknown): unknown {
  const params = task.params as unknown;
  return typeof params === 'function' ? (params as (h: HostContext, i: unknown) => unknown)(host, item) : params;
}
