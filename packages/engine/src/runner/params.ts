import type { Task } from './types.js';

/** The name a task is shown by: its own, or its module's. */
export function taskName(task: Pick<Task, 'name' | 'module'>): string {
  return task.name ?? task.module.name;
}

/** Where a task sits, for error messages: `plays[0] "prepare" tasks[3] "sysctl"`. */
export function taskPath(playIndex: number, playName: string, list: 'tasks' | 'handlers', index: number, name: string): string {
  return `plays[${playIndex}] "${playName}" ${list}[${index}] "${name}"`;
}
