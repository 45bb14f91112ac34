import { z } from 'zod';
import type { AnyModule, Handler, Play, PlayItem } from '@meshbook/engine';

/**
 * A role: tasks plus the handlers they notify, and the schema of the vars its tasks read (their
 * `host.vars`, typed). Roles are plain values, composed into plays.
 */
export interface Role<V extends object = any> {
  name: string;
  /** Merged into the play's varsSchema by playOf: validated before anything connects, defaults applied. */
  vars?: z.ZodObject;
  tasks: PlayItem<V>[];
  handlers?: Handler<AnyModule, V>[];
}

/**
 * One play from several roles: their tasks in order, their handlers deduplicated by name, and a
 * varsSchema holding the play's own and every role's vars.
 */
export function playOf(play: Omit<Play, 'tasks' | 'handlers' | 'varsSchema'> & { varsSchema?: z.ZodObject }, roles: readonly Role[]): Play {
  const handlers = new Map<string, Handler>();
  for (const role of roles) for (const h of role.handlers ?? []) if (!handlers.has(h.name)) handlers.set(h.name, h);
  const schemas = roles.flatMap((r) => (r.vars ? [r.vars] : []));
  const varsSchema = schemas.reduce<z.ZodObject | undefined>((merged, s) => (merged ? merged.extend(s.shape) : s), play.varsSchema);
  return { ...play, ...(varsSchema ? { varsSchema } : {}), tasks: roles.flatMap((r) => r.tasks), handlers: [...handlers.values()] };
}
