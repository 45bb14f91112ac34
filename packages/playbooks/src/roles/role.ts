import type { Handler, Play, PlayItem } from '@meshbook/engine';

/** A role: tasks plus the handlers they notify. Roles are plain values, composed into plays. */
export interface Role {
  name: string;
  tasks: PlayItem[];
  handlers?: Handler[];
}

/** One play from several roles: their tasks in order, their handlers deduplicated by name. */
export function playOf(play: Omit<Play, 'tasks' | 'handlers'>, roles: readonly Role[]): Play {
  const handlers = new Map<string, Handler>();
  for (const role of roles) for (const h of role.handlers ?? []) if (!handlers.has(h.name)) handlers.set(h.name, h);
  return { ...play, tasks: roles.flatMap((r) => r.tasks), handlers: [...handlers.values()] };
}
