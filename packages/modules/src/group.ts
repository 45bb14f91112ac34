import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** `getent group NAME`: exit 2 means no such group. */
export const groupEntry = defineFact<string, GroupEntry | null>({
  name: 'group.entry',
  command: (name) => sh`getent group -- ${name}`,
  parse: (result, name) => {
    if (result.exitCode === 2) return null;
    if (result.exitCode !== 0) {
      throw new MeshbookError('COMMAND_FAILED', `getent group ${name} failed`, { exitCode: result.exitCode, stderr: result.stderr });
    }
    return parseGroupLine(result.stdout);
  },
});

export function parseGroupLine(line: string): GroupEntry {
  const [name = '', , gid = '', members = ''] = line.trim().split(':');
  return { name, gid: Number(gid), members: members ? members.split(',') : [] };
}

/** Names useradd/groupadd accept (shadow's default NAME_REGEX, plus a trailing $ for machine accounts). */
export const accountName = z
  .string()
  .regex(/^[a-z_][a-z0-9_.-]{0,31}\$?$/, 'a user or group name: lowercase letter or _ first, then letters, digits, _ . - (max 32)');

/** The group task's params as written (an interface, so editors show each field's documentation). */
export interface GroupInput {
  /** The group name. */
  name: string;
  /** The gid; default on create: the next free one. */
  gid?: number | undefined;
  /** A system group (gid from the system range); only used when creating. Default false. */
  system?: boolean | undefined;
  /** 'present' (default) or 'absent'. */
  state?: 'present' | 'absent' | undefined;
}

const paramsSchema = z
  .object({
    name: accountName,
    gid: z.number().int().min(0).max(4294967294).optional(),
    system: z.boolean().default(false),
    state: z.enum(['present', 'absent']).default('present'),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, GroupInput> = paramsSchema;

export type GroupChange =
  /** gid: fixed, or none for the next free one (from the system range when `system`). */
  | Change<'group.create', { name: string; gid: number | undefined; system: boolean }>
  | Change<'group.gid', { name: string; gid: number }>
  | Change<'group.remove', { name: string }>;

/** A local group: created (optionally with a fixed gid), its gid corrected, or removed. */
export const group = defineModule({
  name: 'group',
  params,
  facts: (p) => groupEntry(p.name),
  plan(current: GroupEntry | null, p): GroupChange[] {
    const { name } = p;
    if (p.state === 'absent') {
      return current ? [{ kind: 'group.remove', target: name, summary: `remove group ${name}`, before: `gid ${current.gid}`, after: null, payload: { name } }] : [];
    }
    if (!current) {
      const gid = p.gid === undefined ? (p.system ? 'system gid' : 'next gid') : `gid ${p.gid}`;
      return [{ kind: 'group.create', target: name, summary: `create group ${name} (${gid})`, before: null, after: gid, payload: { name, gid: p.gid, system: p.system } }];
    }
    if (p.gid !== undefined && current.gid !== p.gid) {
      return [{ kind: 'group.gid', target: name, summary: `${name}: gid ${current.gid} → ${p.gid}`, before: String(current.gid), after: String(p.gid), payload: { name, gid: p.gid } }];
    }
    return [];
  },
  async apply(ctx, changes) {
    for (const change of changes) {
      switch (change.kind) {
        case 'group.create': {
          const { name, gid, system } = change.payload;
          const options = [...(gid !== undefined ? ['-g', String(gid)] : []), ...(system ? ['-r'] : [])];
          await ctx.exec(sh`groupadd ${options} -- ${name}`);
          break;
        }
        case 'group.gid':
          await ctx.exec(sh`groupmod -g ${String(change.payload.gid)} -- ${change.payload.name}`);
          break;
        case 'group.remove':
          await ctx.exec(sh`groupdel -- ${change.payload.name}`);
          break;
      }
    }
  },
});
