import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { defineModule } from '@meshbook/engine';
import { planEdit } from './lib/edit-in-place.js';
import type { InPlaceEdit } from './lib/edit-in-place.js';
import { applyFile, validateCommand, fileWrites } from './lib/file-content.js';
import type { FileChange } from './lib/file-content.js';
import { absolutePath, fileAttributesShape } from './lib/file-attributes.js';
import type { FileAttributesInput } from './lib/file-attributes.js';
import { EDIT_CONTENT_LIMIT, fileState } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';
import { backrefProblem } from './lib/backrefs.js';
import { editLine, regexSource } from './lib/text-edit.js';

/** The lineinfile task's params as written (an interface, so editors show each field's documentation). */
export interface LineinfileInput extends FileAttributesInput {
  /** The file to edit (absolute). */
  path: string;
  /** The line to have (present); without regexp, also the line to remove (absent). */
  line?: string | undefined;
  /** Present: replace the last matching line; absent: remove every matching line. */
  regexp?: string | undefined;
  /** As regexp, but a literal string a line contains: no pattern syntax to escape. */
  search_string?: string | undefined;
  /** 'present' (default) or 'absent'. */
  state?: 'present' | 'absent' | undefined;
  /** Where to insert when no line matches: after the last line matching this regex, or 'EOF' (default). */
  insertafter?: string | undefined;
  /** Insert before the last line matching this regex, or 'BOF'. */
  insertbefore?: string | undefined;
  /**
   * With regexp: line is filled from the match, Ansible's syntax (`\1`, `\g<1>`, `\g<name>`;
   * `$1` stays literal); when regexp matches no line, nothing changes, even with insertafter. Default false.
   */
  backrefs?: boolean | undefined;
  /** Use the first match (regexp / insertafter / insertbefore) instead of the last. Default false. */
  firstmatch?: boolean | undefined;
  /** Create the file when it is absent (state present). Default false. */
  create?: boolean | undefined;
  /** Keep a timestamped copy of the file it replaces. Default false. */
  backup?: boolean | undefined;
  /** A command checking the edited file on the host before it replaces path: 'sshd -t -f %s'. */
  validate?: string | undefined;
}

const lineinfileParamsSchema = z
  .strictObject({
    path: absolutePath,
    line: z.string().refine((l) => !l.includes('\n'), 'a single line (no newline)').optional(),
    regexp: regexSource.optional(),
    search_string: z.string().min(1).refine((s) => !s.includes('\n'), 'a single line (no newline)').optional(),
    state: z.enum(['present', 'absent']).default('present'),
    insertafter: z.union([z.literal('EOF'), regexSource]).optional(),
    insertbefore: z.union([z.literal('BOF'), regexSource]).optional(),
    backrefs: z.boolean().default(false),
    firstmatch: z.boolean().default(false),
    create: z.boolean().default(false),
    backup: z.boolean().default(false),
    validate: validateCommand.optional(),
    ...fileAttributesShape,
  })
  .refine((p) => p.state === 'absent' || p.line !== undefined, { message: 'line is required with state present', path: ['line'] })
  .refine((p) => p.line !== undefined || p.regexp !== undefined || p.search_string !== undefined, { message: 'give line, regexp or search_string', path: ['line'] })
  .refine((p) => p.regexp === undefined || p.search_string === undefined, { message: 'give at most one of regexp and search_string', path: ['search_string'] })
  .refine((p) => !p.backrefs || (p.regexp !== undefined && p.state === 'present'), { message: 'backrefs needs regexp and state present', path: ['backrefs'] })
  .superRefine((p, ctx) => {
    const problem = p.backrefs && p.regexp !== undefined && p.line !== undefined ? backrefProblem(p.line, p.regexp) : null;
    if (problem) ctx.addIssue({ code: 'custom', message: `backrefs: ${problem}`, path: ['line'] });
  })
  .refine((p) => p.insertafter === undefined || p.insertbefore === undefined, {
    message: 'give at most one of insertafter and insertbefore',
    path: ['insertbefore'],
  });
const lineinfileParams: DocumentedParams<typeof lineinfileParamsSchema, LineinfileInput> = lineinfileParamsSchema;

export type LineinfileParams = z.output<typeof lineinfileParams>;

export interface LineinfileFacts {
  file: FileState;
}

/**
 * One line in a text file present (optionally replacing a regex match) or absent.
 *
 * Differences from Ansible (README, "File modules: differences from Ansible"):
 * - regexps are JavaScript's: a Python-only construct is refused with the JavaScript form.
 * - an edited file always ends with a newline: one rule, whatever the position of the edit.
 * - firstmatch never inserts a line that is already there: a second run changes nothing.
 * - parents made by create get the umask's mode, not the file's: 0600 would make them untraversable.
 * - backrefs without a match creates nothing (Ansible makes create's parent directory all the
 *   same), and a reference to a group the regexp lacks is refused before the host is asked.
 */
export const lineinfile = defineModule({
  name: 'lineinfile',
  params: lineinfileParams,
  facts: (params) => ({ file: fileState(params.path, EDIT_CONTENT_LIMIT) }),
  plan: (facts, params): FileChange<'lineinfile'>[] => planEdit(lineEdit(facts, params), { backup: params.backup, validate: params.validate }),
  apply: (ctx, changes) => applyFile(ctx, changes),
  writes: (changes) => fileWrites(changes),
  // create makes the file (backrefs without a match excepted); without it a missing file stays missing.
  leaves: (params) => ({ existing: params.create && params.state === 'present' && !params.backrefs ? [params.path] : [] }),
});

function lineEdit(facts: LineinfileFacts, p: LineinfileParams): InPlaceEdit<'lineinfile'> {
  return {
    module: 'lineinfile',
    path: p.path,
    state: facts.file,
    edit: (lines) =>
      editLine(lines, { line: p.line, regexp: p.regexp, searchString: p.search_string, backrefs: p.backrefs, state: p.state, insertAfter: p.insertafter, insertBefore: p.insertbefore, firstMatch: p.firstmatch }),
    whenAbsent: p.state === 'absent' ? 'skip' : p.create ? 'create' : 'fail',
    attributes: { mode: p.mode, owner: p.owner, group: p.group },
  };
}
