import { posix } from 'node:path';
import { z } from 'zod';
import { MeshbookError, defineModule, joinCommands, sh } from '@meshbook/engine';
import type { Change, ShellCommand } from '@meshbook/engine';
import { absolutePath, attributesCommand, attributesOf, fileAttributesShape, planAttributes } from './lib/file-attributes.js';
import type { AttributeChange, FileAttributes } from './lib/file-attributes.js';
import { fileState } from './lib/file-facts.js';
import { resolveMode } from './lib/symbolic-mode.js';
import type { FileState } from './lib/file-facts.js';

const fileParams = z
  .strictObject({
    path: absolutePath,
    /**
     * file: an existing regular file (a missing one fails, as Ansible); touch: create empty if absent
     * (an existing file's content and times are untouched); directory: mkdir -p; link: symlink to
     * src; absent: remove. Unset: what is there (file or directory), as Ansible infers it.
     */
    state: z.enum(['file', 'touch', 'directory', 'link', 'absent']).optional(),
    /** Link target (state link), stored as given: relative targets resolve from the link's directory. */
    src: z.string().min(1).refine((s) => !s.includes('\0'), 'no NUL bytes').optional(),
    /**
     * state link: replace an existing regular file at path (never a directory), and allow a link to
     * a source that does not exist (yet): without it a missing source is refused, as Ansible does.
     */
    force: z.boolean().default(false),
    ...fileAttributesShape,
  })
  .refine((p) => (p.state === 'link') === (p.src !== undefined), { message: 'src is required with state link, and only there', path: ['src'] })
  .refine((p) => !(p.state === 'link' || p.state === 'absent') || (p.mode === undefined && p.owner === undefined && p.group === undefined), {
    message: 'mode/owner/group apply to state file or directory only',
    path: ['mode'],
  });

export type FileParams = z.output<typeof fileParams>;

export interface FileFacts {
  path: FileState;
  /** state link: what the link would point to (a relative src resolved from the link's directory). */
  src?: FileState | null | undefined;
}

/** Where a link's src points, seen from the host: relative to the link's own directory. */
export function linkSourcePath(path: string, src: string): string {
  return posix.resolve(posix.dirname(path), src);
}

export type FileModuleChange =
  | Change<'file.absent', { path: string }>
  | Change<'file.link', { path: string; src: string }>
  /** Created, then given the attributes asked for. */
  | Change<'file.directory' | 'file.file', { path: string; attributes: FileAttributes }>
  | AttributeChange<'file'>;

/**
 * A path's existence and kind (file, directory, symlink, absent) and its mode/owner/group.
 *
 * Differences from Ansible (README, "File modules: differences from Ansible"):
 * - touch leaves an existing file's times alone: a second run changes nothing.
 * - link with force replaces a regular file only, never a directory: removing a directory named
 *   as a link path is a surprise, not a fix.
 * - a symbolic mode on a new path edits 0644 (a directory 0755), not the umask's mode: the plan
 *   shows the mode the path will get.
 */
export const file = defineModule({
  name: 'file',
  params: fileParams,
  // No content is fetched: this module never looks at it.
  facts: (params) => ({
    path: fileState(params.path, 0),
    src: params.state === 'link' && !params.force ? fileState(linkSourcePath(params.path, params.src!), 0) : null,
  }),
  plan(facts: FileFacts, p): FileModuleChange[] {
    const s = facts.path;
    const attributes = { mode: p.mode, owner: p.owner, group: p.group };
    const here = s.isLink ? `a symlink to ${s.linkTarget}` : s.exists ? `a ${s.type}` : 'absent';
    const wrongType = (want: string): never => {
      throw new MeshbookError('MODULE_FAILED', `${p.path} is ${here}, not ${want}`, { hint: 'remove it first (state: absent) or choose another path' });
    };
    // No state: the path's own kind, as Ansible infers it (a missing path is then state file, which fails).
    const state = p.state ?? (s.exists && s.type === 'directory' ? 'directory' : 'file');
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
      case 'directory':
      case 'touch':
      case 'file': {
        const type = state === 'directory' ? 'directory' : 'file';
        if (s.exists && s.type !== type) wrongType(`a ${type}`);
        if (!s.exists && s.isLink) wrongType(`a ${type} (the symlink is broken)`);
        if (!s.exists && state === 'file') {
          throw new MeshbookError('MODULE_FAILED', `${p.path} does not exist`, { hint: 'state: file only sets attributes of an existing file; use state: touch to create it' });
        }
        const mode = p.mode ? ` mode ${p.mode}` : '';
        // A symbolic mode on a new path edits what it is created with (0644, a directory 0755).
        const created = { ...attributes, mode: p.mode === undefined ? undefined : resolveMode(p.mode, null, type === 'directory') };
        if (!s.exists) return [{ kind: `file.${type}`, target: p.path, summary: `create ${type}${mode}`, before: null, after: type, payload: { path: p.path, attributes: created } }];
        return planAttributes('file', { path: p.path }, s, attributes);
      }
    }
  },
  // What was created, removed or linked is the path itself; an attribute fixed on an existing path
  // follows its links to where the fact does not say: unknown.
  writes: (changes) => (changes.every((c) => c.kind === 'file.absent' || c.kind === 'file.link' || c.kind === 'file.directory' || c.kind === 'file.file') ? changes.map((c) => c.payload.path) : undefined),
  async apply(ctx, changes) {
    const commands: ShellCommand[] = [];
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
        case 'file.directory':
        case 'file.file': {
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
  },
});
