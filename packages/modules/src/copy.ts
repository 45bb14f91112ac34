import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { MeshbookError, Secret, defineModule } from '@meshbook/engine';
import { absolutePath, fileAttributesShape } from './lib/file-attributes.js';
import { applyFile, planFile, validateCommand, fileWrites } from './lib/file-content.js';
import type { DesiredFile, FileChange, WriteOutput } from './lib/file-content.js';
import { DIFF_CONTENT_LIMIT, fileState } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';

export interface CopyFacts {
  dest: FileState;
  /** The controller file named by `src`, read in gather (so plan stays pure). */
  source: { path: string; bytes: Buffer } | null;
}

const copyParams = z
  .strictObject({
    dest: absolutePath,
    /** Literal content; a Secret masks the diff. */
    content: z.union([z.string(), z.instanceof(Secret)]).optional(),
    /** A file on the controller. */
    src: z.string().min(1).optional(),
    ...fileAttributesShape,
    backup: z.boolean().default(false),
    /** false: only create the file when it is absent; an existing one is left alone (content, mode, owner). */
    force: z.boolean().default(true),
    /** A command checking the new content on the host before it replaces dest: 'visudo -cf %s'. */
    validate: validateCommand.optional(),
  })
  .refine((p) => (p.content === undefined) !== (p.src === undefined), {
    message: 'give exactly one of content or src',
    path: ['content'],
  });

export type CopyParams = z.output<typeof copyParams>;

/**
 * A file on the host with the given content (literal, Secret, or a controller file), written
 * atomically; compared by sha256, diffed when small and text.
 *
 * Differences from Ansible (README, "File modules: differences from Ansible"):
 * - a symlink at dest is written through to its target: `follow` is not implemented yet, and
 *   keeping the link beats silently removing it.
 * - a symbolic mode on a new file edits 0644, not the umask's mode: the plan shows the real mode.
 */
export const copy = defineModule({
  name: 'copy',
  params: copyParams,
  // Secret content: compare by checksum only, so the old secret is never fetched.
  facts: (params) => ({ dest: fileState(params.dest, params.content instanceof Secret ? 0 : DIFF_CONTENT_LIMIT) }),
  // The controller file named by `src` is read here, so plan stays pure.
  gather: async (_ctx, params, facts): Promise<CopyFacts> => ({ dest: facts.dest, source: await readSource(params.src) }),
  plan: (facts, params): FileChange<'copy'>[] => planFile('copy', facts.dest, desiredCopy(facts, params), { force: params.force, backup: params.backup, validate: params.validate }),
  apply: (ctx, changes): Promise<WriteOutput> => applyFile(ctx, changes),
  writes: (changes) => fileWrites(changes),
  output: (facts, params): WriteOutput => ({ path: params.dest, sha256: facts.dest.sha256 ?? '' }),
});

export async function readSource(src: string | undefined): Promise<{ path: string; bytes: Buffer } | null> {
  if (src === undefined) return null;
  try {
    return { path: src, bytes: await readFile(src) };
  } catch (error) {
    throw new MeshbookError('BAD_INPUT', `cannot read the controller file ${src}: ${(error as Error).message}`, {
      cause: error,
      hint: 'src is a path on the machine running meshbook (relative paths start at its working directory)',
    });
  }
}

function desiredCopy(facts: CopyFacts, params: CopyParams): DesiredFile {
  const { content } = params;
  let bytes: Buffer;
  if (content instanceof Secret) bytes = Buffer.from(content.reveal(), 'utf8');
  else if (content !== undefined) bytes = Buffer.from(content, 'utf8');
  else if (facts.source) bytes = facts.source.bytes;
  else throw new MeshbookError('INTERNAL', 'copy: src was not read');
  return {
    path: params.dest,
    bytes,
    sensitive: content instanceof Secret,
    attributes: { mode: params.mode, owner: params.owner, group: params.group },
  };
}
