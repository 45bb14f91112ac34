import { z } from 'zod';
import { joinCommands, sh } from '@meshbook/engine';
import type { Change, ShellCommand } from '@meshbook/engine';
import { normalizeMode } from './file-facts.js';
import { isSymbolicMode, resolveMode } from './symbolic-mode.js';
import type { FileState } from './file-facts.js';

/** An absolute path: relative paths would depend on the remote shell's working directory. */
export const absolutePath = z
  .string()
  .startsWith('/', 'an absolute path (starting with /)')
  .refine((p) => !p.includes('\0'), 'a path without NUL bytes');

/**
 * '0644' / '644' / '4755' (octal digits), a number such as 0o644 (both normalised to four digits),
 * or a symbolic mode as chmod takes it ('u=rw,g=r,o=', 'a+X'), kept as given and resolved against
 * the path's current mode when planned (resolveMode).
 */
export const modeSchema = z
  .union([
    z.string().refine((m) => /^[0-7]{3,4}$/.test(m) || isSymbolicMode(m), "an octal mode such as '0644', or a symbolic one such as 'u=rw,g=r,o='"),
    z.number().int().min(0).max(0o7777, 'a mode no larger than 0o7777'),
  ])
  .transform((m) => (typeof m === 'number' || /^[0-7]{3,4}$/.test(m) ? normalizeMode(m) : m));

/** A user or group name or numeric id; a leading dash could be read as an option. */
export const accountName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/, 'a user/group name or numeric id');

export const fileAttributesShape = {
  mode: modeSchema.optional(),
  owner: accountName.optional(),
  group: accountName.optional(),
};

/** mode/owner/group as a task writes them (docs shown on hover in the modules that take them). */
export interface FileAttributesInput {
  /** Octal ('0644', 0o644) or symbolic as chmod takes it ('u=rw,g=r,o='); default: left as it is. */
  mode?: string | number | undefined;
  /** Owner, a user name or uid; default: left as it is. */
  owner?: string | undefined;
  /** Group, a group name or gid; default: left as it is. */
  group?: string | undefined;
}

export interface FileAttributes {
  mode?: string | undefined;
  owner?: string | undefined;
  group?: string | undefined;
}

/** A name compares with the name, a numeric id with the id. */
function accountMatches(wanted: string, name: string | null, id: number | null): boolean {
  return /^\d+$/.test(wanted) ? Number(wanted) === id : wanted === name;
}

export type AttributeName = 'mode' | 'owner' | 'group';

/** `<module>.owner` etc.: the attribute and its wanted value, plus what the module's payload carries. */
export type AttributeChange<M extends string, T extends object = { path: string }> = Change<`${M}.${AttributeName}`, T & { attribute: AttributeName; value: string }>;

/** Changes for mode/owner/group of an existing path (`<module>.mode` etc.); none for an absent one. */
export function planAttributes<M extends string, T extends { path: string }>(module: M, target: T, state: FileState, wanted: FileAttributes): AttributeChange<M, T>[] {
  if (!state.exists) return [];
  const changes: AttributeChange<M, T>[] = [];
  const change = (attribute: AttributeName, summary: string, before: string | null, value: string): AttributeChange<M, T> => ({
    kind: `${module}.${attribute}`,
    target: target.path,
    summary,
    before,
    after: value,
    payload: { ...target, attribute, value },
  });
  if (wanted.owner !== undefined && !accountMatches(wanted.owner, state.owner, state.uid)) {
    changes.push(change('owner', `owner ${state.owner} → ${wanted.owner}`, state.owner, wanted.owner));
  }
  if (wanted.group !== undefined && !accountMatches(wanted.group, state.group, state.gid)) {
    changes.push(change('group', `group ${state.group} → ${wanted.group}`, state.group, wanted.group));
  }
  const mode = wanted.mode === undefined ? undefined : resolveMode(wanted.mode, state.mode, state.type === 'directory');
  if (mode !== undefined && mode !== state.mode) {
    changes.push(change('mode', `mode ${state.mode} → ${mode}`, state.mode, mode));
  }
  return changes;
}

/**
 * chown before chmod: chown clears setuid/setgid bits, so the mode must be set last. Returns null
 * when nothing is asked for.
 */
export function attributesCommand(path: string, wanted: FileAttributes): ShellCommand | null {
  const commands: ShellCommand[] = [];
  if (wanted.owner !== undefined || wanted.group !== undefined) {
    const spec = `${wanted.owner ?? ''}${wanted.group !== undefined ? `:${wanted.group}` : ''}`;
    commands.push(sh`chown -- ${spec} ${path}`);
  }
  // Five digits: GNU chmod keeps a directory's setuid/setgid bits for a four-digit mode (0755 on a
  // 2755 directory stays 2755) and clears them only when the mode has a leading extra zero.
  if (wanted.mode !== undefined) commands.push(sh`chmod -- ${`0${wanted.mode}`} ${path}`);
  return commands.length === 0 ? null : joinCommands(commands, ' && ');
}

/** The attributes the planned changes set (an unchanged owner is not re-set). */
export function attributesOf(changes: readonly { payload?: unknown }[]): FileAttributes {
  const wanted: FileAttributes = {};
  for (const { payload } of changes) {
    const fix = payload as { attribute?: AttributeName; value?: string } | undefined;
    if (fix?.attribute && fix.value !== undefined) wanted[fix.attribute] = fix.value;
  }
  return wanted;
}
