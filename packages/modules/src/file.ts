import { posix } from 'node:path';
import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, defineModule, joinCommands, sh } from '@meshbook/engine';
import type { Change, ShellCommand } from '@meshbook/engine';
import { absolutePath, attributesCommand, attributesOf, fileAttributesShape, planAttributes } from './lib/file-attributes.js';
import type { AttributeChange, FileAttributes } from './lib/file-attributes.js';
import type { FileAttributesInput } from './lib/file-attributes.js';
import { fileState } from './lib/file-facts.js';
import { fileTree, treeFix, treeFixCommands, treeFixSize } from './lib/file-tree.js';
import type { TreeEntry, TreeFix } from './lib/file-tree.js';
import { resolveMode } from './lib/symbolic-mode.js';
import type { FileState } from './lib/file-facts.js';

/** The file task's params as written (an interface, so editors show each field's documentation). */
export interface FileInput extends FileAttributesInput {
  /** The path to manage (absolute). */
  path: string;
  /**
   * file: an existing regular file (a missing one fails, as Ansible); touch: create empty if absent
   * (an existing file's content and times are untouched); directory: mkdir -p; link: symlink to
   * src; hard: a hard link to the existing file src (absolute); absent: remove. Unset: what is
   * there (file or directory), as Ansible infers it.
   */
  state?: 'file' | 'touch' | 'directory' | 'link' | 'hard' | 'absent' | undefined;
  /**
   * Link target. state link: stored as given (a relative target resolves from the link's
   * directory); state hard: an absolute path to an existing file.
   */
  src?: string | undefined;
  /**
   * state directory: set mode/owner/group on everything under path too (a symbolic X per entry);
   * symlinks in the tree get owner/group themselves and are never followed out of it. Default false.
   */
  recurse?: boolean | undefined;
  /**
   * A symlink at path: true (default, as Ansible) acts on what it points to; false acts on the
   * link itself (owner/group via chown -h; state file/directory on a link then fail).
   */
  follow?: boolean | undefined;
  /**
   * state link: replace an existing regular file at path (never a directory), and allow a link to
   * a source that does not exist (yet): without it a missing source is refused, as Ansible does.
   * state hard: replace another file or a symlink at path (a hard link's src must exist). Default false.
   */
  force?: boolean | undefined;
}

const fileParamsSchema = z
  .strictObject({
    path: absolutePath,
    state: z.enum(['file', 'touch', 'directory', 'link', 'hard', 'absent']).optional(),
    src: z.string().min(1).refine((s) => !s.includes('\0'), 'no NUL bytes').optional(),
    recurse: z.boolean().default(false),
    follow: z.boolean().default(true),
    force: z.boolean().default(false),
    ...fileAttributesShape,
  })
  .refine((p) => (p.state === 'link' || p.state === 'hard') === (p.src !== undefined), { message: 'src is required with state link or hard, and only there', path: ['src'] })
  .refine((p) => p.state !== 'hard' || p.src === undefined || p.src.startsWith('/'), { message: 'an absolute src for state hard (a hard link names an existing file, not a relative target)', path: ['src'] })
  .refine((p) => !(p.state === 'link' || p.state === 'absent') || (p.mode === undefined && p.owner === undefined && p.group === undefined), {
    message: 'mode/owner/group apply to state file, touch, directory or hard only',
    path: ['mode'],
  })
  .refine((p) => !p.recurse || p.state === 'directory', { message: 'recurse needs state directory (as Ansible)', path: ['recurse'] });
const fileParams: DocumentedParams<typeof fileParamsSchema, FileInput> = fileParamsSchema;

export type FileParams = z.output<typeof fileParams>;

export interface FileFacts {
  path: FileState;
  /** state link: what the link would point to (a relative src resolved from the link's directory); state hard: src. */
  src?: FileState | null | undefined;
  /** recurse: every entry under path. */
  tree?: TreeEntry[] | null | undefined;
}

/** Where a link's src points, seen from the host: relative to the link's own directory. */
export function linkSourcePath(path: string, src: string): string {
  return posix.resolve(posix.dirname(path), src);
}

export type FileModuleChange =
  | Change<'file.absent', { path: string }>
  | Change<'file.link', { path: string; src: string }>
  /** A hard link to src; `replace`: an existing file or symlink at path goes (force). */
  | Change<'file.hard', { path: string; src: string; replace: boolean }>
  /** Created, then given the attributes asked for. */
  | Change<'file.directory' | 'file.file', { path: string; attributes: FileAttributes }>
  /** recurse: the entries under path whose owner/group/mode differ. */
  | Change<'file.recurse', { path: string; fix: TreeFix }>
  /** follow: false on a symlink: the link's own owner/group (chown -h). */
  | Change<'file.link-owner', { path: string; spec: string }>
  | AttributeChange<'file'>;

/**
 * A path's existence and kind (file, directory, symlink, hard link, absent) and its mode/owner/group,
 * optionally for a whole directory tree (recurse).
 *
 * Differences from Ansible (README, "File modules: differences from Ansible"):
 * - touch leaves an existing file's times alone: a second run changes nothing.
 * - link with force replaces a regular file only, never a directory: removing a directory named
 *   as a link path is a surprise, not a fix.
 * - a symbolic mode on a new path edits 0644 (a directory 0755), not the umask's mode: the plan
 *   shows the mode the path will get.
 * - recurse never follows a symlink out of the tree (Ansible's follow does, into its target's
 *   tree): one link to / would otherwise chown the whole host.
 * - state hard takes an absolute src only, and a symlink at path to the same file is not that hard
 *   link (Ansible reports it unchanged): it is replaced with force, refused without.
 * - follow: false with a mode on a symlink is refused (Ansible ignores the mode): Linux links
 *   have none.
 */
export const file = defineModule({
  name: 'file',
  params: fileParams,
  // No content is fetched: this module never looks at it.
  facts: (params) => ({
    path: fileState(params.path, 0),
    src:
      params.state === 'hard' ? fileState(params.src!, 0) : params.state === 'link' && !params.force ? fileState(linkSourcePath(params.path, params.src!), 0) : null,
    tree: params.recurse ? fileTree(params.path) : null,
  }),
  plan(facts: FileFacts, p): FileModuleChange[] {
    const s = facts.path;
    const attributes = { mode: p.mode, owner: p.owner, group: p.group };
    const here = s.isLink ? `a symlink to ${s.linkTarget}` : s.exists ? `a ${s.type}` : 'absent';
    const wrongType = (want: string): never => {
      throw new MeshbookError('MODULE_FAILED', `${p.path} is ${here}, not ${want}`, { hint: 'remove it first (state: absent) or choose another path' });
    };
    // No state: the path's own kind, as Ansible infers it (a missing path is then state file, which fails).
    const state = p.state ?? (s.exists && s.type === 'directory' && (p.follow || !s.isLink) ? 'directory' : 'file');
    switch (state) {
      case 'absent':
        return s.exists || s.isLink ? [{ kind: 'file.absent', target: p.path, summary: `remove (${here})`, before: here, after: null, payload: { path: p.path } }] : [];
      case 'link': {
        const src = p.src!;
        if (s.isLink && s.linkTarget === src) return [];
        if (s.exists && !s.isLink && s.type !== 'file') wrongType('a symlink (only a regular file is replaced by a link, even with force)');
        if (s.exists && !s.isLink && !p.force) wrongType('a symlink (set force: true to replace a file)');
        if (facts.src && !facts.src.exists) {
          throw new MeshbookError('MODULE_FAILED', `link source ${facts.src.path} does not exist`, {
            hint: 'fix src (a relative src is resolved from the link\'s directory), or set force: true to link to a path that will exist later',
          });
        }
        return [{ kind: 'file.link', target: p.path, summary: `link → ${src}`, before: s.isLink ? s.linkTarget : s.exists ? here : null, after: src, payload: { path: p.path, src } }];
      }
      case 'hard':
        return planHardLink(p.path, p.src!, p.force, s, facts.src!, attributes);
      case 'directory':
      case 'touch':
      case 'file': {
        const type = state === 'directory' ? 'directory' : 'file';
        if (s.isLink && !p.follow) return planLinkItself(p.path, s, p.state, attributes);
        if (s.exists && s.type !== type) wrongType(`a ${type}`);
        if (!s.exists && s.isLink) wrongType(`a ${type} (the symlink is broken)`);
        if (!s.exists && state === 'file') {
          throw new MeshbookError('MODULE_FAILED', `${p.path} does not exist`, { hint: 'state: file only sets attributes of an existing file; use state: touch to create it' });
        }
        const mode = p.mode ? ` mode ${p.mode}` : '';
        // A symbolic mode on a new path edits what it is created with (0644, a directory 0755).
        const created = { ...attributes, mode: p.mode === undefined ? undefined : resolveMode(p.mode, null, type === 'directory') };
        const changes: FileModuleChange[] = s.exists
          ? planAttributes('file', { path: p.path }, s, attributes)
          : [{ kind: `file.${type}`, target: p.path, summary: `create ${type}${mode}`, before: null, after: type, payload: { path: p.path, attributes: created } }];
        if (p.recurse) changes.push(...planRecurse(p.path, facts.tree ?? [], attributes));
        return changes;
      }
    }
  },
  // What was created, removed or linked is the path itself; an attribute fixed on an existing path
  // follows its links to where the fact does not say: unknown. A directory is only made where
  // nothing was: it is new and empty, so the facts about paths under it (absent) still hold.
  // A link's target may be missing (`[ -e ]` follows links): only what exists in its own right.
  leaves: (params) =>
    params.state === 'absent' ? { absent: [params.path] } : params.state === 'directory' || params.state === 'touch' ? { existing: [params.path] } : {},
  writes: (changes) =>
    changes.every((c) => c.kind === 'file.absent' || c.kind === 'file.link' || c.kind === 'file.directory' || c.kind === 'file.file')
      ? changes.map((c) => (c.kind === 'file.directory' ? { path: c.payload.path, below: false as const } : c.payload.path))
      : undefined,
  async apply(ctx, changes) {
    const commands: ShellCommand[] = [];
    const treeFixes: TreeFix[] = [];
    for (const change of changes) {
      const { path } = change.payload;
      switch (change.kind) {
        case 'file.absent':
          commands.push(sh`rm -rf -- ${path}`);
          break;
        case 'file.link':
          // -n: an existing link to a directory is replaced, not followed into.
          commands.push(sh`ln -sfn -- ${change.payload.src} ${path}`);
          break;
        case 'file.hard':
          // -L: a symlink src links its target (as Ansible's os.link); -T: a path that is a link to
          // a directory is replaced, never linked into. Without force, ln fails on anything there.
          commands.push(change.payload.replace ? sh`ln -fLT -- ${change.payload.src} ${path}` : sh`ln -LT -- ${change.payload.src} ${path}`);
          break;
        case 'file.link-owner':
          commands.push(sh`chown -h -- ${change.payload.spec} ${path}`);
          break;
        case 'file.recurse':
          treeFixes.push(change.payload.fix);
          break;
        case 'file.directory':
        case 'file.file': {
          const { mode, owner, group } = change.payload.attributes;
          if (change.kind === 'file.directory' && mode !== undefined && owner === undefined && group === undefined) {
            // One process instead of mkdir and chmod: GNU mkdir -m sets the new directory's mode as
            // chmod does (umask and a default ACL's bits aside; five digits clear an inherited setgid).
            commands.push(sh`mkdir -p -m ${`0${mode}`} -- ${path}`);
            break;
          }
          // A file only when still absent: one that appeared since the check is not truncated.
          commands.push(change.kind === 'file.directory' ? sh`mkdir -p -- ${path}` : sh`{ test -e ${path} || : > ${path}; }`);
          const fix = attributesCommand(path, change.payload.attributes);
          if (fix) commands.push(fix);
          break;
        }
      }
    }
    const fix = changes[0] && attributesCommand(changes[0].payload.path, attributesOf(changes));
    if (fix) commands.push(fix);
    if (commands.length > 0) await ctx.exec(joinCommands(commands, ' && '));
    // The tree after its root: a new directory has no entries, an existing one is fixed below it.
    for (const treeFix of treeFixes) {
      for (const { command, stdin } of treeFixCommands(treeFix)) await ctx.exec(command, { stdin });
    }
  },
});

/**
 * state hard: path and src one file (same device and inode). The attributes asked for are the
 * shared file's: compared with src's when the link is still to be made.
 */
function planHardLink(path: string, src: string, force: boolean, s: FileState, source: FileState, attributes: FileAttributes): FileModuleChange[] {
  if (!source.exists) throw new MeshbookError('MODULE_FAILED', `hard link source ${src} does not exist`, { hint: 'a hard link names an existing file: fix src, or create it first' });
  if (source.type !== 'file') throw new MeshbookError('MODULE_FAILED', `hard link source ${src} is a ${source.type}`, { hint: 'only a regular file can be hard-linked; use state: link for a directory' });
  const linked = s.exists && !s.isLink && s.inode !== null && s.inode === source.inode;
  if (linked) return planAttributes('file', { path }, s, attributes);
  const here = s.isLink ? `a symlink to ${s.linkTarget}` : s.exists ? `a ${s.type}` : null;
  if (s.exists && !s.isLink && s.type !== 'file') {
    throw new MeshbookError('MODULE_FAILED', `${path} is ${here}, not a hard link to ${src}`, { hint: 'only a regular file or a symlink is replaced by a hard link, even with force' });
  }
  if (here && !force) throw new MeshbookError('MODULE_FAILED', `${path} is ${here}, not a hard link to ${src}`, { hint: 'set force: true to replace it' });
  const link: FileModuleChange = { kind: 'file.hard', target: path, summary: `hard link → ${src}`, before: here, after: `hard link to ${src}`, payload: { path, src, replace: here !== null } };
  return [link, ...planAttributes('file', { path }, { ...source, path }, attributes)];
}

/** follow: false on a symlink: only its own owner/group can change; a file or directory is not there. */
function planLinkItself(path: string, s: FileState, state: FileParams['state'], attributes: FileAttributes): FileModuleChange[] {
  // As Ansible: touch or no state sets the link's own owner; a file or directory is not there.
  if (state === 'file' || state === 'directory') {
    throw new MeshbookError('MODULE_FAILED', `${path} is a symlink to ${s.linkTarget}, not a ${state} (follow: false)`, { hint: 'set follow: true to act on the link\'s target, or remove the link first' });
  }
  if (attributes.mode !== undefined) {
    throw new MeshbookError('MODULE_FAILED', `${path} is a symlink, and a symlink has no mode of its own on Linux (follow: false)`, { hint: 'drop mode, or set follow: true to set the target\'s mode' });
  }
  const own = s.linkOwner!;
  const ownerDiffers = attributes.owner !== undefined && !(/^\d+$/.test(attributes.owner) ? Number(attributes.owner) === own.uid : attributes.owner === own.owner);
  const groupDiffers = attributes.group !== undefined && !(/^\d+$/.test(attributes.group) ? Number(attributes.group) === own.gid : attributes.group === own.group);
  if (!ownerDiffers && !groupDiffers) return [];
  const spec = `${attributes.owner ?? ''}${attributes.group !== undefined ? `:${attributes.group}` : ''}`;
  const before = `${own.owner}:${own.group}`;
  return [{ kind: 'file.link-owner', target: path, summary: `symlink's own owner ${before} → ${spec}`, before, after: spec, payload: { path, spec } }];
}

function planRecurse(path: string, tree: readonly TreeEntry[], attributes: FileAttributes): FileModuleChange[] {
  const fix = treeFix(tree, attributes, (mode, current, isDirectory) => resolveMode(mode, current, isDirectory));
  const count = treeFixSize(fix);
  if (count === 0) return [];
  const what = [attributes.owner !== undefined || attributes.group !== undefined ? `owner ${fix.chown.length}` : '', attributes.mode !== undefined ? `mode ${Object.values(fix.chmod).flat().length}` : '']
    .filter(Boolean)
    .join(', ');
  return [{ kind: 'file.recurse', target: path, summary: `recurse: ${count} entr${count === 1 ? 'y' : 'ies'} below (${what})`, before: null, after: `${count} entr${count === 1 ? 'y' : 'ies'} set`, payload: { path, fix } }];
}
