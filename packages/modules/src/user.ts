import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { accountName } from './group.js';

export interface UserAccount {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
  /** Primary group name (`id -gn`). */
  group: string;
  /** Supplementary groups (`id -Gn` without the primary group), sorted. */
  groups: string[];
}

const USER_FACT = 'user.account';

/** One command: the passwd entry, then the primary and all group names; getent exits 2 for no such user. */
export const userAccount = defineFact<string, UserAccount | null>({
  name: USER_FACT,
  command: (name) => sh`getent passwd -- ${name} || exit $?; id -gn -- ${name} && id -Gn -- ${name}`,
  parse: (result, name) => {
    if (result.exitCode === 2) return null;
    if (result.exitCode !== 0) {
      throw new MeshbookError('COMMAND_FAILED', `reading user ${name} failed`, { exitCode: result.exitCode, stderr: result.stderr });
    }
    return parseUserAccount(result.stdout);
  },
});

export function parseUserAccount(stdout: string): UserAccount {
  const [passwd = '', primary = '', all = ''] = stdout.split('\n');
  const [name = '', , uid = '', gid = '', comment = '', home = '', shell = ''] = passwd.split(':');
  const group = primary.trim();
  const groups = [...new Set(all.trim().split(/\s+/).filter((g) => g && g !== group))].sort();
  return { name, uid: Number(uid), gid: Number(gid), comment, home, shell, group, groups };
}

const absolutePath = z.string().regex(/^\/[^:\n]*$/, 'an absolute path (no ":")');

/** The user task's params as written (an interface, so editors show each field's documentation). */
export interface UserInput {
  /** The user name. */
  name: string;
  /** The uid; default on create: the next free one. */
  uid?: number | undefined;
  /** Primary group, by name or gid; the group must exist. Default on create: a group named like the user. */
  group?: string | number | undefined;
  /** Supplementary groups. Without `append`, exactly these; with it, at least these. */
  groups?: string[] | undefined;
  /** Add `groups` to the user's supplementary groups instead of replacing them. Default false. */
  append?: boolean | undefined;
  /** Login shell (absolute path). */
  shell?: string | undefined;
  /** Home directory (absolute path). */
  home?: string | undefined;
  /** Create the home directory when creating the user. Default true. Ansible: create_home. */
  createHome?: boolean | undefined;
  /** A system account (uid from the system range); only used when creating. Default false. */
  system?: boolean | undefined;
  /** The GECOS comment (no ':' or newlines). */
  comment?: string | undefined;
  /** 'present' (default) or 'absent'. */
  state?: 'present' | 'absent' | undefined;
  /** With state absent: also remove the home directory and mail spool. Default false. */
  remove?: boolean | undefined;
}

const paramsSchema = z
  .object({
    name: accountName,
    uid: z.number().int().min(0).max(4294967294).optional(),
    group: z.union([accountName, z.number().int().min(0)]).optional(),
    groups: z.array(accountName).optional(),
    append: z.boolean().default(false),
    shell: absolutePath.optional(),
    home: absolutePath.optional(),
    createHome: z.boolean().default(true),
    system: z.boolean().default(false),
    comment: z.string().regex(/^[^:\n]*$/, 'a comment without ":" or newlines').optional(),
    state: z.enum(['present', 'absent']).default('present'),
    remove: z.boolean().default(false),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, UserInput> = paramsSchema;

type UserParams = z.output<typeof params>;

type UserAttribute = 'user.uid' | 'user.group' | 'user.groups' | 'user.shell' | 'user.home' | 'user.comment';

export type UserChange =
  /** useradd with these options. */
  | Change<'user.create', { name: string; options: string[] }>
  | Change<'user.remove', { name: string; removeHome: boolean }>
  /** One attribute: its usermod options (all of a task's go in one usermod). */
  | Change<UserAttribute, { name: string; options: string[] }>;

/**
 * A local user account: created with uid, primary and supplementary groups, shell, home; existing
 * accounts corrected attribute by attribute (one usermod for all); or removed.
 */
export const user = defineModule({
  name: 'user',
  params,
  facts: (p) => userAccount(p.name),
  plan(current: UserAccount | null, p): UserChange[] {
    const { name } = p;
    if (p.state === 'absent') {
      return current
        ? [{ kind: 'user.remove', target: name, summary: `remove user ${name}${p.remove ? ' and its home' : ''}`, before: `uid ${current.uid}`, after: null, payload: { name, removeHome: p.remove } }]
        : [];
    }
    if (!current) {
      const what = [
        p.uid !== undefined ? `uid ${p.uid}` : null,
        p.group !== undefined ? `group ${p.group}` : null,
        p.groups?.length ? `groups ${p.groups.join(',')}` : null,
        p.shell ? `shell ${p.shell}` : null,
        p.home ? `home ${p.home}` : null,
      ].filter(Boolean);
      return [
        { kind: 'user.create', target: name, summary: `create user ${name}${what.length ? ` (${what.join(', ')})` : ''}`, before: null, after: what.join(', ') || name, payload: { name, options: createOptions(p) } },
      ];
    }
    const changes: UserChange[] = [];
    const attr = (kind: UserAttribute, label: string, before: string, after: string, options: string[]) =>
      changes.push({ kind, target: name, summary: `${name}: ${label} ${before} → ${after}`, before, after, payload: { name, options } });
    if (p.uid !== undefined && current.uid !== p.uid) attr('user.uid', 'uid', String(current.uid), String(p.uid), ['-u', String(p.uid)]);
    if (p.group !== undefined && (typeof p.group === 'number' ? current.gid !== p.group : current.group !== p.group)) {
      attr('user.group', 'primary group', typeof p.group === 'number' ? String(current.gid) : current.group, String(p.group), ['-g', String(p.group)]);
    }
    if (p.groups) {
      const wanted = wantedGroups(current, p);
      // The planned set, so apply does exactly what the plan showed (with or without append).
      if (wanted.join(',') !== current.groups.join(',')) attr('user.groups', 'groups', current.groups.join(',') || '(none)', wanted.join(',') || '(none)', ['-G', wanted.join(',')]);
    }
    if (p.shell !== undefined && current.shell !== p.shell) attr('user.shell', 'shell', current.shell, p.shell, ['-s', p.shell]);
    if (p.home !== undefined && current.home !== p.home) attr('user.home', 'home', current.home, p.home, ['-d', p.home]);
    if (p.comment !== undefined && current.comment !== p.comment) attr('user.comment', 'comment', current.comment, p.comment, ['-c', p.comment]);
    return changes;
  },
  async apply(ctx, changes) {
    const first = changes[0]!;
    if (first.kind === 'user.remove') {
      await ctx.exec(sh`userdel ${first.payload.removeHome ? ['-r'] : []} -- ${first.payload.name}`);
      return;
    }
    if (first.kind === 'user.create') {
      await ctx.exec(sh`useradd ${first.payload.options} -- ${first.payload.name}`);
      return;
    }
    await ctx.exec(sh`usermod ${changes.flatMap((c) => (c.kind === 'user.remove' ? [] : c.payload.options))} -- ${first.payload.name}`);
  },
});

/** The supplementary groups the user ends up with: exactly `groups`, or the union with `append`. */
function wantedGroups(current: UserAccount, p: UserParams): string[] {
  const wanted = new Set(p.append ? [...current.groups, ...p.groups!] : p.groups!);
  // A group that is the primary one is never listed as supplementary by `id`.
  const primary = typeof p.group === 'string' ? p.group : current.group;
  wanted.delete(primary);
  return [...wanted].sort();
}

function createOptions(p: UserParams): string[] {
  return [
    ...(p.uid !== undefined ? ['-u', String(p.uid)] : []),
    ...(p.group !== undefined ? ['-g', String(p.group)] : []),
    ...(p.groups?.length ? ['-G', p.groups.join(',')] : []),
    ...(p.shell ? ['-s', p.shell] : []),
    ...(p.home ? ['-d', p.home] : []),
    ...(p.comment !== undefined ? ['-c', p.comment] : []),
    ...(p.system ? ['-r'] : []),
    p.createHome ? '-m' : '-M',
  ];
}
