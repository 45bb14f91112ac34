import { z } from 'zod';
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
const userAccount = defineFact<string, UserAccount | null>({
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

const params = z
  .object({
    name: accountName,
    uid: z.number().int().min(0).max(4294967294).optional(),
    /** Primary group, by name or gid; the group must exist. Default on create: a group named like the user. */
    group: z.union([accountName, z.number().int().min(0)]).optional(),
    /** Supplementary groups. Without `append`, exactly these; with it, at least these. */
    groups: z.array(accountName).optional(),
    append: z.boolean().default(false),
    shell: absolutePath.optional(),
    home: absolutePath.optional(),
    /** Create the home directory when creating the user. */
    createHome: z.boolean().default(true),
    /** A system account (uid from the system range); only used when creating. */
    system: z.boolean().default(false),
    comment: z.string().regex(/^[^:\n]*$/, 'a comment without ":" or newlines').optional(),
    state: z.enum(['present', 'absent']).default('present'),
    /** With state absent: also remove the home directory and mail spool. */
    remove: z.boolean().default(false),
  })
  .strict();

type UserParams = z.output<typeof params>;

export type UserChange = Change & {
  kind: 'user.create' | 'user.remove' | 'user.uid' | 'user.group' | 'user.groups' | 'user.shell' | 'user.home' | 'user.comment';
};

/**
 * A local user account: created with uid, primary and supplementary groups, shell, home; existing
 * accounts corrected attribute by attribute (one usermod for all); or removed.
 */
export const user = defineModule({
  name: 'user',
  params,
  gather: (ctx, p) => ctx.fact(userAccount(p.name)),
  plan(current, p): UserChange[] {
    if (p.state === 'absent') {
      return current ? [{ kind: 'user.remove', target: p.name, summary: `remove user ${p.name}${p.remove ? ' and its home' : ''}`, before: `uid ${current.uid}`, after: null }] : [];
    }
    if (!current) {
      const what = [
        p.uid !== undefined ? `uid ${p.uid}` : null,
        p.group !== undefined ? `group ${p.group}` : null,
        p.groups?.length ? `groups ${p.groups.join(',')}` : null,
        p.shell ? `shell ${p.shell}` : null,
        p.home ? `home ${p.home}` : null,
      ].filter(Boolean);
      return [{ kind: 'user.create', target: p.name, summary: `create user ${p.name}${what.length ? ` (${what.join(', ')})` : ''}`, before: null, after: what.join(', ') || p.name }];
    }
    const changes: UserChange[] = [];
    const attr = (kind: UserChange['kind'], label: string, before: string, after: string) =>
      changes.push({ kind, target: p.name, summary: `${p.name}: ${label} ${before} → ${after}`, before, after });
    if (p.uid !== undefined && current.uid !== p.uid) attr('user.uid', 'uid', String(current.uid), String(p.uid));
    if (p.group !== undefined && (typeof p.group === 'number' ? current.gid !== p.group : current.group !== p.group)) {
      attr('user.group', 'primary group', typeof p.group === 'number' ? String(current.gid) : current.group, String(p.group));
    }
    if (p.groups) {
      const wanted = wantedGroups(current, p);
      if (wanted.join(',') !== current.groups.join(',')) attr('user.groups', 'groups', current.groups.join(',') || '(none)', wanted.join(',') || '(none)');
    }
    if (p.shell !== undefined && current.shell !== p.shell) attr('user.shell', 'shell', current.shell, p.shell);
    if (p.home !== undefined && current.home !== p.home) attr('user.home', 'home', current.home, p.home);
    if (p.comment !== undefined && current.comment !== p.comment) attr('user.comment', 'comment', current.comment, p.comment);
    return changes;
  },
  async apply(ctx, changes, p) {
    const first = changes[0]!;
    if (first.kind === 'user.remove') {
      await ctx.exec(sh`userdel ${p.remove ? ['-r'] : []} -- ${p.name}`);
      return;
    }
    if (first.kind === 'user.create') {
      await ctx.exec(sh`useradd ${createOptions(p)} -- ${p.name}`);
      return;
    }
    await ctx.exec(sh`usermod ${modifyOptions(changes, p)} -- ${p.name}`);
  },
  // No `invalidates`: what apply changes can be what other modules' facts read (packages add unit
  // files, a repository changes apt's candidates, a user changes file owners), so the host's whole
  // fact cache is dropped after apply.
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

function modifyOptions(changes: readonly UserChange[], p: UserParams): string[] {
  const options: string[] = [];
  for (const change of changes) {
    switch (change.kind) {
      case 'user.uid':
        options.push('-u', String(p.uid));
        break;
      case 'user.group':
        options.push('-g', String(p.group));
        break;
      case 'user.groups':
        // The planned set, so apply does exactly what the plan showed (with or without append).
        options.push('-G', change.after === '(none)' ? '' : change.after!);
        break;
      case 'user.shell':
        options.push('-s', p.shell!);
        break;
      case 'user.home':
        options.push('-d', p.home!);
        break;
      case 'user.comment':
        options.push('-c', p.comment!);
        break;
    }
  }
  return options;
}
