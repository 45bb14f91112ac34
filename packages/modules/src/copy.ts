import { readFile, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, Secret, defineModule, joinCommands, sh } from '@meshbook/engine';
import type { ShellCommand } from '@meshbook/engine';
import { planTree, readControllerTree, hostTree, treeRoot } from './lib/copy-tree.js';
import type { CopyDirectoryChange, SourceEntry } from './lib/copy-tree.js';
import { absolutePath, accountName, attributesCommand, modeSchema } from './lib/file-attributes.js';
import type { FileAttributesInput } from './lib/file-attributes.js';
import { applyFile, fileWrites, planFile, validateCommand } from './lib/file-content.js';
import type { DesiredFile, FileChange, WriteOutput } from './lib/file-content.js';
import { DIFF_CONTENT_LIMIT, fileState, normalizeMode } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';
import { fileTree } from './lib/file-tree.js';
import type { TreeEntry } from './lib/file-tree.js';

/** A controller file named by `src`, read in gather (so plan stays pure). */
export interface ControllerFile {
  path: string;
  bytes: Buffer;
  /** Four octal digits: what `mode: preserve` gives the copy. */
  mode: string;
}

/** A directory src: its entries, and what is at the place they go. */
export interface CopyTreeFacts {
  root: string;
  rootState: FileState;
  /** `src: 'dir'`: dest, the directory root goes into; null when root is dest. */
  parentState: FileState | null;
  sources: SourceEntry[];
  destTree: TreeEntry[];
}

export interface CopyFacts {
  dest: FileState;
  /** The controller file named by `src`. */
  source: ControllerFile | null;
  /** remote_src: the file on the host named by `src`. */
  hostSource?: FileState | null | undefined;
  /** src is a directory (on the controller, or on the host with remote_src). */
  tree?: CopyTreeFacts | null | undefined;
}

/** The copy task's params as written (an interface, so editors show each field's documentation). */
export interface CopyInput extends FileAttributesInput {
  /** The file to write; a dest ending in '/' with a file src is the directory it goes into (as Ansible). */
  dest: string;
  /** Literal content (give this or src); a Secret masks the diff. */
  content?: string | Secret | undefined;
  /**
   * A file or directory on the controller (on the host with remote_src). A directory is copied
   * recursively: 'dir/' copies what is inside it into dest, 'dir' copies dir itself into dest.
   */
  src?: string | undefined;
  /** src is a path on the host (an absolute one): the file is copied there, never through the controller. Default false. */
  remote_src?: boolean | undefined;
  /** Octal or symbolic, or 'preserve': each copy gets its source file's mode (src only). */
  mode?: string | number | undefined;
  /** Mode of the directories a recursive copy creates (existing ones are left alone, as Ansible). */
  directory_mode?: string | number | undefined;
  /** Keep a timestamped copy of the file it replaces. Default false. */
  backup?: boolean | undefined;
  /** false: only create the file when it is absent; an existing one is left alone (content, mode, owner). Default true. */
  force?: boolean | undefined;
  /** A command checking the new content on the host before it replaces dest: 'visudo -cf %s'. */
  validate?: string | undefined;
  /** A symlink at dest: false (default, as Ansible) replaces the link with the file; true writes through to its target. */
  follow?: boolean | undefined;
}

const copyParamsSchema = z
  .strictObject({
    dest: absolutePath,
    content: z.union([z.string(), z.instanceof(Secret)]).optional(),
    src: z.string().min(1).refine((s) => !s.includes('\0'), 'no NUL bytes').optional(),
    remote_src: z.boolean().default(false),
    mode: z.union([z.literal('preserve'), modeSchema]).optional(),
    owner: accountName.optional(),
    group: accountName.optional(),
    directory_mode: modeSchema.optional(),
    backup: z.boolean().default(false),
    force: z.boolean().default(true),
    validate: validateCommand.optional(),
    follow: z.boolean().default(false),
  })
  .refine((p) => (p.content === undefined) !== (p.src === undefined), {
    message: 'give exactly one of content or src',
    path: ['content'],
  })
  .refine((p) => !p.remote_src || (p.src !== undefined && p.src.startsWith('/')), { message: 'remote_src needs src, an absolute path on the host', path: ['remote_src'] })
  .refine((p) => p.mode !== 'preserve' || p.src !== undefined, { message: "mode 'preserve' copies the mode of src: give src", path: ['mode'] })
  .refine((p) => p.content === undefined || !p.dest.endsWith('/'), { message: 'with content, dest names a file (no trailing /)', path: ['dest'] });
const copyParams: DocumentedParams<typeof copyParamsSchema, CopyInput> = copyParamsSchema;

export type CopyParams = z.output<typeof copyParams>;

/** The file written: dest, or dest/<basename of src> when dest ends in '/'. */
export function destFile(params: { dest: string; src?: string | undefined }): string {
  if (!params.dest.endsWith('/') || params.src === undefined) return params.dest;
  return posix.join(params.dest, posix.basename(params.src.replace(/\/+$/, '')));
}

/**
 * A file on the host with the given content (literal, Secret, a controller file, or with
 * remote_src a file already on the host), written atomically; compared by sha256, diffed when
 * small and text. A directory src is copied recursively.
 *
 * Differences from Ansible (README, "File modules: differences from Ansible"):
 * - a symbolic mode on a new file edits 0644, not the umask's mode: the plan shows the real mode.
 * - a remote_src directory holding a symlink is refused (Ansible follows or copies the link):
 *   say which, by copying the path on its own.
 * - a file src onto an existing directory dest without a trailing '/' is refused (Ansible copies
 *   into it): the plan must know which file it writes before it looks.
 * - directories above a copied tree's dest are made by mkdir -p (Ansible: a remote_src tree fails,
 *   a controller tree gives them directory_mode and owner): the plan sees dest, not its ancestors.
 */
export const copy = defineModule({
  name: 'copy',
  params: copyParams,
  // Secret content: compare by checksum only, so the old secret is never fetched.
  facts: (params) => {
    const root = params.src !== undefined ? treeRoot(params.src, params.dest) : params.dest;
    return {
      dest: fileState(destFile(params), params.content instanceof Secret ? 0 : DIFF_CONTENT_LIMIT),
      // remote_src: the source may be a file or a directory; both answers come in the same round trip.
      hostSource: params.remote_src ? fileState(params.src!, DIFF_CONTENT_LIMIT) : null,
      hostSourceTree: params.remote_src ? fileTree(params.src!, { hashes: true }) : null,
      hostRoot: params.remote_src ? fileState(root, 0) : null,
      hostDestDir: params.remote_src ? fileState(withoutSlash(params.dest), 0) : null,
      hostDestTree: params.remote_src ? fileTree(root, { hashes: true }) : null,
    };
  },
  // The controller file or directory named by `src` is read here, so plan stays pure.
  gather: async (ctx, params, facts): Promise<CopyFacts> => {
    if (params.remote_src) {
      const source = facts.hostSource!;
      if (source.exists && source.type === 'directory') {
        const root = treeRoot(params.src!, params.dest);
        const parentState = root === withoutSlash(params.dest) ? null : facts.hostDestDir!;
        return { dest: facts.dest, source: null, tree: { root, rootState: facts.hostRoot!, parentState, sources: hostTree(params.src!, facts.hostSourceTree!), destTree: facts.hostDestTree! } };
      }
      return { dest: facts.dest, source: null, hostSource: source };
    }
    if (params.src !== undefined && (await isControllerDirectory(params.src))) {
      const root = treeRoot(params.src, params.dest);
      const sources = await readControllerTree(params.src);
      const there = await ctx.facts({ rootState: fileState(root, 0), parent: fileState(withoutSlash(params.dest), 0), destTree: fileTree(root, { hashes: true }) });
      const parentState = root === withoutSlash(params.dest) ? null : there.parent;
      return { dest: facts.dest, source: null, tree: { root, sources, rootState: there.rootState, destTree: there.destTree, parentState } };
    }
    return { dest: facts.dest, source: await readSource(params.src) };
  },
  plan: (facts, params): Array<FileChange<'copy'> | CopyDirectoryChange> => {
    if (facts.tree) {
      const { root, rootState, sources, destTree, parentState } = facts.tree;
      return planTree(root, rootState, sources, destTree, { mode: params.mode, owner: params.owner, group: params.group, directoryMode: params.directory_mode, force: params.force, backup: params.backup, validate: params.validate, keepSourceModes: params.remote_src }, parentState);
    }
    // A dest ending in '/' is a directory the file goes into: made when missing, as Ansible.
    return planFile('copy', facts.dest, desiredCopy(facts, params), { force: params.force, backup: params.backup, validate: params.validate, follow: params.follow, createParents: params.dest.endsWith('/') });
  },
  apply: async (ctx, changes, params): Promise<WriteOutput> => {
    const directories = changes.filter((c): c is CopyDirectoryChange => c.kind === 'copy.directory');
    const commands: ShellCommand[] = [];
    for (const { payload } of directories) {
      commands.push(payload.parents ? sh`mkdir -p -- ${payload.path}` : sh`mkdir -- ${payload.path}`);
      const fix = attributesCommand(payload.path, payload.attributes);
      if (fix) commands.push(fix);
    }
    if (commands.length > 0) await ctx.exec(joinCommands(commands, ' && '));
    // One file's changes at a time (a directory src plans several files).
    const byFile = new Map<string, FileChange<'copy'>[]>();
    for (const change of changes) {
      if (change.kind === 'copy.directory') continue;
      const list = byFile.get(change.payload.path) ?? [];
      list.push(change as FileChange<'copy'>);
      byFile.set(change.payload.path, list);
    }
    let output: WriteOutput | undefined;
    for (const fileChanges of byFile.values()) output = await applyFile(ctx, fileChanges);
    // A single file reports its checksum; a directory src reports the directory it copied into.
    const single = directories.length === 0 && byFile.size === 1 && byFile.has(destFile(params));
    return single && output ? output : { path: treeRoot(params.src ?? params.dest, params.dest), sha256: '' };
  },
  // Directories made (and their parents) and each file written.
  writes: (changes) => changes.flatMap((c) => (c.kind === 'copy.directory' ? [c.payload.path] : fileWrites([c as FileChange<'copy'>]))),
  // The file (or a directory src's tree root) is there once the task succeeded, changed or not.
  leaves: (params) => ({ existing: [params.dest] }),
  output: (facts, params): WriteOutput => (facts.tree ? { path: facts.tree.root, sha256: '' } : { path: destFile(params), sha256: facts.dest.sha256 ?? '' }),
});

function withoutSlash(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}

async function isControllerDirectory(src: string): Promise<boolean> {
  return (await stat(src).catch(() => null))?.isDirectory() === true;
}

export async function readSource(src: string | undefined): Promise<ControllerFile | null> {
  if (src === undefined) return null;
  try {
    const [bytes, info] = await Promise.all([readFile(src), stat(src)]);
    return { path: src, bytes, mode: normalizeMode(info.mode & 0o7777) };
  } catch (error) {
    throw new MeshbookError('BAD_INPUT', `cannot read the controller file ${src}: ${(error as Error).message}`, {
      cause: error,
      hint: 'src is a path on the machine running meshbook (relative paths start at its working directory); set remote_src: true for a file on the host',
    });
  }
}

function desiredCopy(facts: CopyFacts, params: CopyParams): DesiredFile {
  const { content } = params;
  const path = destFile(params);
  const attributes = (sourceMode: string | null) => ({ mode: params.mode === 'preserve' ? (sourceMode ?? undefined) : params.mode, owner: params.owner, group: params.group });
  if (facts.hostSource) {
    const source = facts.hostSource;
    if (!source.exists || source.type !== 'file') {
      throw new MeshbookError('MODULE_FAILED', `remote_src: ${params.src} ${source.exists ? `is a ${source.type}` : source.isLink ? 'is a broken symlink' : 'does not exist'} on the host`, {
        hint: 'src names a regular file or a directory on the host with remote_src: true; drop remote_src for a file on the controller',
      });
    }
    return { path, bytes: Buffer.alloc(0), fromHost: { path: source.realPath, sha256: source.sha256!, size: source.size ?? 0, text: source.text }, sensitive: false, attributes: attributes(source.mode) };
  }
  let bytes: Buffer;
  if (content instanceof Secret) bytes = Buffer.from(content.reveal(), 'utf8');
  else if (content !== undefined) bytes = Buffer.from(content, 'utf8');
  else if (facts.source) bytes = facts.source.bytes;
  else throw new MeshbookError('INTERNAL', 'copy: src was not read');
  return { path, bytes, sensitive: content instanceof Secret, attributes: attributes(facts.source?.mode ?? null) };
}
