import { z } from 'zod';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const GROUP_FACT = 'group.entry';

/** `getent group NAME`: exit 2 means no such group. */
export const groupEntry = defineFact<string, GroupEntry | null>({
  name: GROUP_FACT,
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

const params = z
  .object({
    name: accountName,
    gid: z.number().int().min(0).max(4294967294).optional(),
    /** A system group (gid from the system range); only used when creating. */
    system: z.boolean().default(false),
    state: z.enum(['present', 'absent']).default('present'),
  })
  .strict();

export type GroupChange = Change & { kind: 'group.create' | 'group.gid' | 'group.remove' };

/** A local group: created (optionally with a fixed gid), its gid corrected, or removed. */
export const group = defineModule({
  name: 'group',
  params,
  gather: (ctx, p) => ctx.fact(groupEntry(p.name)),
  plan(current, p): GroupChange[] {
    if (p.state === 'absent') {
      return current ? [{ kind: 'group.remove', target: p.name, summary: `remove group ${p.name}`, before: `gid ${current.gid}`, after: null }] : [];
    }
    if (!current) {
      const gid = p.gid === undefined ? (p.system ? 'system gid' : 'next gid') : `gid ${p.gid}`;
      return [{ kind: 'group.create', target: p.name, summary: `create group ${p.name} (${gid})`, before: null, after: gid }];
    }
    if (p.gid !== undefined && current.gid !== p.gid) {
      return [{ kind: 'group.gid', target: p.name, summary: `${p.name}: gid ${current.gid} → ${p.gid}`, before: String(current.gid), after: String(p.gid) }];
    }
    return [];
  },
  async apply(ctx, changes, p) {
    for (const change of changes) {
      if (change.kind === 'group.create') {
        const options = [...(p.gid !== undefined ? ['-g', String(p.gid)] : []), ...(p.system ? ['-r'] : [])];
        await ctx.exec(sh`groupadd ${options} -- ${p.name}`);
      } else if (change.kind === 'group.gid') {
        await ctx.exec(sh`groupmod -g ${String(p.gid)} -- ${p.name}`);
      } else {
        await ctx.exec(sh`groupdel -- ${p.name}`);
      }
    }
  },
  // No `invalidates`: what apply changes can be what other modules' facts read (packages add unit
  // files, a repository changes apt's candidates, a user changes file owners), so the host's whole
  // fact cache is dropped after apply.
});
