import { z } from 'zod';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { accountName } from './group.js';
import { CrontabError, SPECIAL_TIMES, crontabLines, editEnv, editJob, oneLine, renderCrontab, renderJob, timeField } from './lib/crontab.js';
import type { Edit } from './lib/crontab.js';
import { applyFile, planFile } from './lib/file-content.js';
import type { FileChange } from './lib/file-content.js';
import { EDIT_CONTENT_LIMIT, fileState } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';
import type { DocumentedParams } from './lib/documented-params.js';

/** A user's crontab as `crontab -l` lists it; null when the user has none. */
export const userCrontab = defineFact<string | null, string | null>({
  name: 'cron.crontab',
  command: (user) => sh`crontab ${user === null ? [] : ['-u', user]} -l`,
  parse: (result, user) => {
    if (result.exitCode === 0) return result.stdout;
    if (/no crontab for/.test(result.stderr)) return null;
    if (result.exitCode === 127) throw new MeshbookError('MODULE_FAILED', 'crontab is not installed', { hint: 'install cron first (apt: cron)' });
    throw new MeshbookError('COMMAND_FAILED', `crontab -l${user ? ` -u ${user}` : ''} failed`, { exitCode: result.exitCode, stderr: result.stderr });
  },
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name (letters, digits, _)');

/** A name in /etc/cron.d (Debian's cron skips files with other characters, dots included), or an absolute path. */
const cronFile = z
  .string()
  .regex(/^([A-Za-z0-9_-]+|\/[^\r\n\0]*[^/])$/, 'a file name in /etc/cron.d (letters, digits, _ and -: cron ignores any other) or an absolute path')
  .refine((f) => !/^\/etc\/cron\.d\//.test(f) || /^\/etc\/cron\.d\/[A-Za-z0-9_-]+$/.test(f), 'a file in /etc/cron.d named with letters, digits, _ and - only (cron ignores any other)')
  .transform((f) => (f.startsWith('/') ? f : `/etc/cron.d/${f}`));

/** The cron task's params as written (an interface, so editors show each field's documentation). */
export interface CronInput {
  /** The job's name (its `#Ansible: <name>` marker, so Ansible's entries are taken over), or with env the variable's name. Ansible: name. */
  name: string;
  /** Minute field as crontab takes it ('30', '0-59/15', 0). Default '*'. Ansible: minute. */
  minute?: string | number | undefined;
  /** Hour field ('2', '0-6'). Default '*'. Ansible: hour. */
  hour?: string | number | undefined;
  /** Day-of-month field. Default '*'. Ansible: day. */
  day?: string | number | undefined;
  /** Month field (1-12 or jan-dec). Default '*'. Ansible: month. */
  month?: string | number | undefined;
  /** Day-of-week field (0-7 or sun-sat). Default '*'. Ansible: weekday. */
  weekday?: string | number | undefined;
  /** 'reboot', 'daily', 'hourly'... (cron's @reboot, @daily) instead of the time fields. Ansible: special_time. */
  special_time?: (typeof SPECIAL_TIMES)[number] | undefined;
  /** The command, on one line and written as given (`%` is cron's stdin separator: escape it as `\%`); with env, the variable's value. Required with state present. Ansible: job. */
  job?: string | undefined;
  /** Whose crontab (default: the task's user); in a cron_file, the user the job runs as (then required). Ansible: user. */
  user?: string | undefined;
  /** present (default): the entry is there as given; absent: it is removed. Ansible: state. */
  state?: 'present' | 'absent' | undefined;
  /** Keep the job's line commented out. Default false. Ansible: disabled. */
  disabled?: boolean | undefined;
  /** Manage an environment variable line `name=job` instead of a job. Default false. Ansible: env. */
  env?: boolean | undefined;
  /** With env: a new variable goes after this one instead of on top. Ansible: insertafter. */
  insertafter?: string | undefined;
  /** With env: a new variable goes before this one instead of on top. Ansible: insertbefore. */
  insertbefore?: string | undefined;
  /** A file in /etc/cron.d (a name of letters, digits, _ and -, or an absolute path) instead of a user's crontab; written 0644 root:root. Ansible: cron_file. */
  cron_file?: string | undefined;
}

const paramsSchema = z
  .strictObject({
    name: oneLine('name').pipe(z.string().min(1, 'a name')),
    minute: timeField('minute').default('*'),
    hour: timeField('hour').default('*'),
    day: timeField('day').default('*'),
    month: timeField('month').default('*'),
    weekday: timeField('weekday').default('*'),
    special_time: z.enum(SPECIAL_TIMES).optional(),
    job: oneLine('job').optional(),
    user: accountName.optional(),
    state: z.enum(['present', 'absent']).default('present'),
    disabled: z.boolean().default(false),
    env: z.boolean().default(false),
    insertafter: envName.optional(),
    insertbefore: envName.optional(),
    cron_file: cronFile.optional(),
  })
  .superRefine((p, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const timed = (['minute', 'hour', 'day', 'month', 'weekday'] as const).filter((f) => p[f] !== '*');
    if (p.special_time && timed.length > 0) problem(timed[0]!, 'give either special_time or the time fields, not both');
    if (p.state === 'present' && p.job === undefined) problem('job', p.env ? "the variable's value (job) is required with state present" : 'the command (job) is required with state present');
    if (p.state === 'present' && p.job !== undefined && p.job.trim() === '' && !p.env) problem('job', 'a command, not blank');
    if (p.cron_file && p.state === 'present' && !p.env && !p.user) problem('user', 'a cron_file entry names the user it runs as: give user');
    if (p.env) {
      if (!envName.safeParse(p.name).success) problem('name', 'with env, an environment variable name (letters, digits, _)');
      if (p.disabled) problem('disabled', 'a variable cannot be disabled: use state absent');
      if (p.special_time || timed.length > 0) problem(p.special_time ? 'special_time' : timed[0]!, 'a variable has no schedule');
    } else if (p.insertafter !== undefined || p.insertbefore !== undefined) {
      problem(p.insertafter !== undefined ? 'insertafter' : 'insertbefore', 'insertafter and insertbefore place environment variables: only with env: true');
    }
    if (p.insertafter !== undefined && p.insertbefore !== undefined) problem('insertbefore', 'give at most one of insertafter and insertbefore');
  });
const params: DocumentedParams<typeof paramsSchema, CronInput> = paramsSchema;

export type CronParams = z.output<typeof params>;

export type CronChange =
  /** The user's whole crontab, installed with `crontab -`. */
  | Change<'cron.crontab', { user: string | null; text: string }>
  /** A cron.d file with nothing left in it. */
  | Change<'cron.remove', { path: string }>
  | FileChange<'cron'>;

/** The cron_file's state when one is given, else the user's crontab (null: none). */
export interface CronFacts {
  crontab: string | null;
  file: FileState | null;
}

/**
 * A named job or an environment variable in a user's crontab or a file in /etc/cron.d, marked as
 * Ansible marks them (`#Ansible: <name>` above the job), so crontabs Ansible wrote are taken over
 * as they are.
 *
 * Differences from Ansible (README, "Differences from Ansible"):
 * - time fields are checked against crontab's grammar and ranges, and every value must stay on one
 *   line; Ansible writes whatever it is given.
 * - state absent with cron_file removes that entry, and the file only once nothing is left in it
 *   (Ansible removes the whole file); two entries with the same marker are an error, not the first
 *   one silently.
 * - a cron_file is written 0644 root:root; `backup` is not offered.
 */
export const cron = defineModule({
  name: 'cron',
  params,
  facts: (p) => ({ file: p.cron_file ? fileState(p.cron_file, EDIT_CONTENT_LIMIT) : null, crontab: p.cron_file ? null : userCrontab(p.user ?? null) }),
  plan: (facts, p): CronChange[] => planCron(facts, p),
  async apply(ctx, changes) {
    const first = changes[0]!;
    if (first.kind === 'cron.crontab') {
      await ctx.exec(sh`crontab ${first.payload.user === null ? [] : ['-u', first.payload.user]} -`, { stdin: first.payload.text });
    } else if (first.kind === 'cron.remove') {
      await ctx.exec(sh`rm -f -- ${first.payload.path}`);
    } else {
      await applyFile(ctx, changes as FileChange<'cron'>[]);
    }
  },
});

export function planCron(facts: CronFacts, p: CronParams): CronChange[] {
  if (facts.file) {
    const state = facts.file;
    if (state.exists && state.text === null) throw new MeshbookError('MODULE_FAILED', `${p.cron_file} is not a text file`);
    if (!state.exists && p.state === 'absent') return [];
    const edit = edited(state.exists ? state.text! : '', p);
    // Nothing to edit: a present entry's file still gets cron's mode and owner; an absent one is left alone.
    if (!edit.summary) return p.state === 'absent' ? [] : planFile('cron', state, desiredFile(p.cron_file!, state.text ?? ''));
    const text = renderCrontab(edit.lines);
    if (p.state === 'absent' && text.trim() === '') {
      return [{ kind: 'cron.remove', target: p.cron_file!, summary: `${edit.summary}; remove the file (nothing left in it)`, content: { path: p.cron_file!, before: state.text, after: '' }, payload: { path: p.cron_file! } }];
    }
    return planFile('cron', state, desiredFile(p.cron_file!, text)).map((c) => (c.kind === 'cron.content' ? { ...c, summary: `${state.exists ? '' : 'create, '}${edit.summary}` } : c));
  }
  const current = facts.crontab;
  if (current === null && p.state === 'absent') return [];
  const edit = edited(current ?? '', p);
  if (!edit.summary) return [];
  const target = `crontab of ${p.user ?? 'the task user'}`;
  const text = renderCrontab(edit.lines);
  return [{ kind: 'cron.crontab', target, summary: edit.summary, content: { path: target, before: current, after: text }, payload: { user: p.user ?? null, text } }];
}

function desiredFile(path: string, text: string) {
  return { path, bytes: Buffer.from(text, 'utf8'), sensitive: false, attributes: { mode: '0644', owner: 'root', group: 'root' } };
}

function edited(text: string, p: CronParams): Edit {
  const lines = crontabLines(text);
  try {
    if (p.env) return editEnv(lines, p.name, p.state === 'present' ? p.job! : null, { insertafter: p.insertafter, insertbefore: p.insertbefore });
    const line =
      p.state === 'present'
        ? renderJob({ ...p, specialTime: p.special_time, user: p.cron_file ? p.user : undefined, job: p.job! })
        : null;
    return editJob(lines, p.name, line);
  } catch (error) {
    if (!(error instanceof CrontabError)) throw error;
    throw new MeshbookError('MODULE_FAILED', `${p.cron_file ?? `crontab of ${p.user ?? 'the task user'}`}: ${error.message}`, { hint: 'fix the crontab by hand; meshbook will not guess' });
  }
}
