import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { MeshbookError } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import type { FileAttributes } from './file-attributes.js';
import { planFile } from './file-content.js';
import type { FileChange, HostFile } from './file-content.js';
import { absentFileState, normalizeMode } from './file-facts.js';
import type { FileState } from './file-facts.js';
import { resolveMode } from './symbolic-mode.js';
import type { TreeEntry } from './file-tree.js';

/**
 * copy with a directory as src (Ansible's rules): `src: 'dir/'` copies what is inside dir into
 * dest; `src: 'dir'` copies dir itself, as dest/dir. Files and directories are created or updated,
 * nothing at dest that src lacks is removed.
 */

/** One entry of the source tree, relative to the source directory. */
export interface SourceEntry {
  rel: string;
  type: 'file' | 'directory';
  /** Four octal digits (mode: preserve gives it to the copy). */
  mode: string;
  /** A controller file's bytes. */
  bytes?: Buffer;
  /** remote_src: the file on the host. */
  fromHost?: HostFile;
}

/** Where a directory src lands: dest itself for `dir/`, dest/<basename> for `dir`. */
export function treeRoot(src: string, dest: string): string {
  const base = dest.replace(/\/+$/, '') || '/';
  return src.endsWith('/') ? base : posix.join(base, posix.basename(src.replace(/\/+$/, '')));
}

/** The controller directory's tree (symlinks followed, as Ansible's local_follow), sorted parents first. */
export async function readControllerTree(dir: string): Promise<SourceEntry[]> {
  const entries: SourceEntry[] = [];
  const walk = async (rel: string, seen: Set<string>): Promise<void> => {
    const names = (await readdir(join(dir, rel))).sort();
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      const full = join(dir, childRel);
      const info = await stat(full).catch(async (error: unknown) => {
        if ((await lstat(full)).isSymbolicLink()) throw new MeshbookError('BAD_INPUT', `copy src: ${full} is a broken symlink`, { hint: 'fix or remove the link in the source directory' });
        throw error;
      });
      const mode = normalizeMode(info.mode & 0o7777);
      if (info.isDirectory()) {
        const id = `${info.dev}:${info.ino}`;
        if (seen.has(id)) throw new MeshbookError('BAD_INPUT', `copy src: ${full} loops back to a directory above it`, { hint: 'remove the symlink loop from the source directory' });
        entries.push({ rel: childRel, type: 'directory', mode });
        await walk(childRel, new Set([...seen, id]));
      } else if (info.isFile()) {
        entries.push({ rel: childRel, type: 'file', mode, bytes: await readFile(full) });
      } else {
        throw new MeshbookError('BAD_INPUT', `copy src: ${full} is neither a file nor a directory`, { hint: 'copy copies regular files and directories only' });
      }
    }
  };
  const top = await stat(dir);
  await walk('', new Set([`${top.dev}:${top.ino}`]));
  return entries;
}

/** remote_src: the host directory's tree as listed by the file.tree fact (with hashes). */
export function hostTree(src: string, tree: readonly TreeEntry[]): SourceEntry[] {
  const base = src.replace(/\/+$/, '');
  return tree.map((entry) => {
    const rel = entry.path.slice(base.length + 1);
    if (entry.type === 'directory') return { rel, type: 'directory', mode: entry.mode };
    if (entry.type !== 'file' || entry.sha256 === undefined) {
      throw new MeshbookError('MODULE_FAILED', `copy remote_src: ${entry.path} is a ${entry.type === 'link' ? 'symlink' : 'special file'}`, {
        hint: 'a remote_src tree is copied as regular files and directories only: replace the link by what it points to, or copy that path on its own',
      });
    }
    return { rel, type: 'file', mode: entry.mode, fromHost: { path: entry.path, sha256: entry.sha256, size: entry.size, text: null } };
  });
}

/**
 * A directory the copy creates; `mode` from directory_mode (else mkdir's, or with remote_src the
 * source directory's), owner/group as asked. `parents`: the tree's root, made with its missing parents.
 */
export type CopyDirectoryChange = Change<'copy.directory', { path: string; attributes: FileAttributes; parents: boolean }>;

export interface TreeParams {
  /** Octal or symbolic, or 'preserve': each file gets its source's mode. */
  mode: string | undefined;
  owner: string | undefined;
  group: string | undefined;
  directoryMode: string | undefined;
  force: boolean;
  /** Per file, as for a single file: keep the replaced file, check the new content first. */
  backup: boolean;
  validate: string | undefined;
  /** remote_src: without mode / directory_mode, files and directories keep their source's mode (as Ansible's copytree). */
  keepSourceModes: boolean;
}

/** The host state of one dest path, from the dest tree listing (no content: compared by checksum). */
function destState(path: string, entry: TreeEntry | undefined): FileState {
  if (!entry) return absentFileState(path);
  const type = entry.type === 'link' || entry.type === 'other' ? 'other' : entry.type;
  return { ...absentFileState(path), exists: true, type, isLink: entry.type === 'link', mode: entry.mode, owner: entry.owner, group: entry.group, uid: entry.uid, gid: entry.gid, size: entry.size, sha256: entry.sha256 ?? null };
}

/** The changes that copy the source tree under root: new directories first (parents before children), then each file. */
export function planTree(
  root: string,
  rootState: FileState,
  sources: readonly SourceEntry[],
  destTree: readonly TreeEntry[],
  p: TreeParams,
  /** `src: 'dir'`: the dest directory root goes into (null when root is dest itself). */
  parentState: FileState | null = null,
): Array<CopyDirectoryChange | FileChange<'copy'>> {
  const dest = new Map(destTree.map((e) => [e.path, e]));
  const changes: Array<CopyDirectoryChange | FileChange<'copy'>> = [];
  const directory = (path: string, sourceMode: string | null): CopyDirectoryChange => {
    const mode = p.directoryMode !== undefined ? resolveMode(p.directoryMode, null, true) : p.keepSourceModes ? (sourceMode ?? undefined) : undefined;
    // The first directory made is made with its missing parents.
    const parents = changes.length === 0;
    return { kind: 'copy.directory', target: path, summary: `create directory${mode ? ` mode ${mode}` : ''}`, before: null, after: 'directory', payload: { path, attributes: { mode, owner: p.owner, group: p.group }, parents } };
  };
  if (rootState.exists && rootState.type !== 'directory') {
    throw new MeshbookError('MODULE_FAILED', `${root} is a ${rootState.type}, not a directory to copy into`, { hint: 'remove it, or choose another dest' });
  }
  // As Ansible: a missing dest made for `src: 'dir'` gets directory_mode too.
  if (parentState && !parentState.exists) changes.push(directory(parentState.path, null));
  if (!rootState.exists) changes.push(directory(root, null));
  for (const source of sources) {
    const path = posix.join(root, source.rel);
    const there = dest.get(path);
    if (source.type === 'directory') {
      if (!there) changes.push(directory(path, source.mode));
      else if (there.type !== 'directory') throw new MeshbookError('MODULE_FAILED', `${path} is a ${there.type}, not a directory`, { hint: 'remove it so the source directory can be copied there' });
      continue;
    }
    if (there && there.type !== 'file') throw new MeshbookError('MODULE_FAILED', `${path} is a ${there.type}, not a regular file`, { hint: 'remove it so the source file can be copied there' });
    const mode = p.mode === 'preserve' || (p.mode === undefined && p.keepSourceModes) ? source.mode : p.mode;
    const desired = { path, bytes: source.bytes ?? Buffer.alloc(0), fromHost: source.fromHost, sensitive: false, attributes: { mode, owner: p.owner, group: p.group } };
    changes.push(...planFile('copy', destState(path, there), desired, { force: p.force, backup: p.backup, validate: p.validate }));
  }
  return changes;
}
