import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, defineModule } from '@meshbook/engine';
import { planEdit } from './lib/edit-in-place.js';
import type { InPlaceEdit } from './lib/edit-in-place.js';
import { applyFile, validateCommand, fileWrites } from './lib/file-content.js';
import type { FileChange } from './lib/file-content.js';
import { absolutePath, fileAttributesShape } from './lib/file-attributes.js';
import type { FileAttributesInput } from './lib/file-attributes.js';
import { EDIT_CONTENT_LIMIT, fileState } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';
import { editBlock, regexSource, splitLines } from './lib/text-edit.js';

export const DEFAULT_MARKER = '# {mark} MESHBOOK {name}';

const singleLine = (what: string) => z.string().refine((s) => !s.includes('\n'), `${what} on one line`);

/** The blockinfile task's params as written (an interface, so editors show each field's documentation). */
export interface BlockinfileInput extends FileAttributesInput {
  /** The file to edit (absolute). */
  path: string;
  /** Names the block, so several blocks can live in one file and each be updated or removed. */
  name: string;
  /** The block's text (without markers); a trailing newline is ignored. Empty (default) removes the block, as Ansible. */
  block?: string | undefined;
  /** 'present' (default) or 'absent'. */
  state?: 'present' | 'absent' | undefined;
  /** Marker line template: {mark} becomes BEGIN/END, {name} the block name. Default '# {mark} MESHBOOK {name}'. */
  marker?: string | undefined;
  /** What {mark} becomes in the first marker line. Default 'BEGIN'. */
  marker_begin?: string | undefined;
  /** What {mark} becomes in the last marker line. Default 'END'. */
  marker_end?: string | undefined;
  /** A blank line after the block, unless the block ends the file or one follows already (Ansible's). Default false. */
  append_newline?: boolean | undefined;
  /** A blank line before the block, unless the block starts the file or one precedes already. Default false. */
  prepend_newline?: boolean | undefined;
  /** Where a new block goes: after the last line matching this regex, or 'EOF' (default). */
  insertafter?: string | undefined;
  /** A new block goes before the last line matching this regex, or 'BOF'. */
  insertbefore?: string | undefined;
  /** Create the file when it is absent. Default false. */
  create?: boolean | undefined;
  /** Keep a timestamped copy of the file it replaces. Default false. */
  backup?: boolean | undefined;
  /** A command checking the edited file on the host before it replaces path: 'sshd -t -f %s'. */
  validate?: string | undefined;
}

const blockinfileParamsSchema = z
  .strictObject({
    path: absolutePath,
    name: singleLine('a block name').pipe(z.string().min(1)),
    block: z.string().default(''),
    state: z.enum(['present', 'absent']).default('present'),
    marker: singleLine('a marker').refine((m) => m.includes('{mark}'), 'a marker containing {mark}').default(DEFAULT_MARKER),
    marker_begin: singleLine('marker_begin').pipe(z.string().min(1)).default('BEGIN'),
    marker_end: singleLine('marker_end').pipe(z.string().min(1)).default('END'),
    append_newline: z.boolean().default(false),
    prepend_newline: z.boolean().default(false),
    insertafter: z.union([z.literal('EOF'), regexSource]).optional(),
    insertbefore: z.union([z.literal('BOF'), regexSource]).optional(),
    create: z.boolean().default(false),
    backup: z.boolean().default(false),
    validate: validateCommand.optional(),
    ...fileAttributesShape,
  })
  .refine((p) => p.marker_begin !== p.marker_end, { message: 'marker_begin and marker_end must differ', path: ['marker_end'] })
  .refine((p) => p.insertafter === undefined || p.insertbefore === undefined, {
    message: 'give at most one of insertafter and insertbefore',
    path: ['insertbefore'],
  });
const blockinfileParams: DocumentedParams<typeof blockinfileParamsSchema, BlockinfileInput> = blockinfileParamsSchema;

export type BlockinfileParams = z.output<typeof blockinfileParams>;

export interface BlockinfileFacts {
  file: FileState;
}

/**
 * A named, marked block of lines in a text file: inserted, replaced in place, or removed (an
 * empty block removes it, as Ansible).
 *
 * Differences from Ansible (README, "File modules: differences from Ansible"):
 * - several BEGIN markers, or a BEGIN without its END, are refused: guessing which copy is real
 *   leaves a stale one in force or deletes the user's lines.
 * - markers with CRLF or trailing spaces, and an END on a last line without newline, are found:
 *   the block is not added again; a CRLF blank line counts as blank for prepend/append_newline.
 * - regexps are JavaScript's; an edited file always ends with a newline; parents made by create
 *   get the umask's mode.
 */
export const blockinfile = defineModule({
  name: 'blockinfile',
  params: blockinfileParams,
  facts: (params) => ({ file: fileState(params.path, EDIT_CONTENT_LIMIT) }),
  plan: (facts, params): FileChange<'blockinfile'>[] => planEdit(blockEdit(facts, params), { backup: params.backup, validate: params.validate }),
  apply: (ctx, changes) => applyFile(ctx, changes),
  writes: (changes) => fileWrites(changes),
});

export function markerLines(marker: string, name: string, marks = { begin: 'BEGIN', end: 'END' }): { begin: string; end: string } {
  // split/join, not replace: a name holding `$&` or `{mark}` is text, never a pattern.
  const line = (mark: string) =>
    marker
      .split('{mark}')
      .map((part) => part.split('{name}').join(name))
      .join(mark)
      .trimEnd();
  return { begin: line(marks.begin), end: line(marks.end) };
}

/** Shared with hosts: the in-place edit that puts a named block into (or out of) a file. */
export function namedBlockEdit<M extends string>(
  module: M,
  file: FileState,
  p: { path: string; name: string; marker: string; marks?: { begin: string; end: string }; body: string[]; state: 'present' | 'absent'; create: boolean; append_newline?: boolean; prepend_newline?: boolean } & Pick<
    BlockinfileParams,
    'insertafter' | 'insertbefore' | 'mode' | 'owner' | 'group'
  >,
): InPlaceEdit<M> {
  const { begin, end } = markerLines(p.marker, p.name, p.marks);
  return {
    module,
    path: p.path,
    state: file,
    edit: (lines) => {
      try {
        return editBlock(lines, { begin, end, body: p.body, state: p.state, insertAfter: p.insertafter, insertBefore: p.insertbefore, appendNewline: p.append_newline, prependNewline: p.prepend_newline });
      } catch (error) {
        throw new MeshbookError('MODULE_FAILED', `${p.path}: ${(error as Error).message}`, { hint: 'fix the markers by hand; meshbook will not guess where the block ends' });
      }
    },
    whenAbsent: p.state === 'absent' ? 'skip' : p.create ? 'create' : 'fail',
    attributes: { mode: p.mode, owner: p.owner, group: p.group },
  };
}

function blockEdit(facts: BlockinfileFacts, p: BlockinfileParams): InPlaceEdit<'blockinfile'> {
  const body = splitLines(p.block);
  // An empty block removes the markers (Ansible's rule): a templated block that came out empty
  // must not leave an empty marked block behind.
  return namedBlockEdit('blockinfile', facts.file, { ...p, marks: { begin: p.marker_begin, end: p.marker_end }, body, state: body.length === 0 ? 'absent' : p.state });
}
