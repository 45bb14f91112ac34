import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { KnownAfterApply, MeshbookError, Secret, defineModule } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { absolutePath, fileAttributesShape } from './lib/file-attributes.js';
import { applyFile, planFile } from './lib/file-content.js';
import type { DesiredFile, WriteOutput } from './lib/file-content.js';
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
    /** Literal content; a Secret masks the diff; KnownAfterApply (check mode) is reported as a change. */
    content: z.union([z.string(), z.instanceof(Secret), z.instanceof(KnownAfterApply)]).optional(),
    /** A file on the controller. */
    src: z.string().min(1).optional(),
    ...fileAttributesShape,
    backup: z.boolean().default(false),
    /** false: only create the file when it is absent, never replace its content. */
    force: z.boolean().default(true),
  })
  .refine((p) => (p.content === undefined) !== (p.src === undefined), {
    message: 'give exactly one of content or src',
    path: ['content'],
  });

export type CopyParams = z.output<typeof copyParams>;

/**
 * A file on the host with the given content (literal, Secret, or a controller file), written
 * atomically; compared by sha256, diffed when small and text.
 */
export const copy = defineModule({
  name: 'copy',
  params: copyParams,
  async gather(ctx, params): Promise<CopyFacts> {
    // Secret content: compare by checksum only, so the old secret is never fetched.
    const limit = params.content instanceof Secret ? 0 : DIFF_CONTENT_LIMIT;
    const [dest, source] = await Promise.all([ctx.fact(fileState(params.dest, limit)), readSource(params.src)]);
    return { dest, source };
  },
  plan(facts, params): Change[] {
    if (params.content instanceof KnownAfterApply) {
      // Check mode before the value exists (e.g. a kubeconfig minted on another host): cannot compare.
      const { dest } = facts;
      return [{ kind: 'copy.content', target: params.dest, summary: `write ${params.content}`, before: dest.exists ? `sha256:${dest.sha256?.slice(0, 16)}…` : null, after: String(params.content) }];
    }
    return planFile('copy', facts.dest, desiredCopy(facts, params), { force: params.force });
  },
  apply: (ctx, changes, params, facts): Promise<WriteOutput> =>
    applyFile(ctx, 'copy', changes, facts.dest, desiredCopy(facts, params), { backup: params.backup }),
  output: (facts, params): WriteOutput => ({ path: params.dest, sha256: facts.dest.sha256 ?? '' }),
  // No `invalidates`: a written file can be what any other fact reads (a unit file changes
  // systemd's NeedDaemonReload), so the host's whole fact cache is dropped after apply.
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
  if (content instanceof KnownAfterApply) {
    throw new MeshbookError('UNKNOWN_AFTER_APPLY', `copy ${params.dest}: the content is not known yet (${content.description})`);
  }
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
