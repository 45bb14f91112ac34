import { defineFact, MeshbookError, sh } from '@meshbook/engine';
import type { FactRequest } from '@meshbook/engine';
import { normalizeMode } from './file-facts.js';

/** One entry under a directory, as `find -P` sees it: a symlink is the link itself, never followed. */
export interface TreeEntry {
  /** The full path. */
  path: string;
  type: 'file' | 'directory' | 'link' | 'other';
  /** Four octal digits (a symlink's is meaningless on Linux and never compared). */
  mode: string;
  owner: string;
  group: string;
  uid: number;
  gid: number;
  /** Bytes (a regular file's size). */
  size: number;
  /** Hex sha256 of a regular file, when the tree was listed with hashes. */
  sha256?: string;
}

const TYPES: Record<string, TreeEntry['type']> = { f: 'file', d: 'directory', l: 'link' };

// NUL after each entry: a name may hold newlines or '|', so the path comes last and ends at the NUL.
// A missing directory is an empty tree (the directory itself is planned by the caller).
// With hashes, sha256sum -z adds "<hash>  <path>" records (-z: names are not escaped).
const TREE_SCRIPT = `[ -d "$p" ] || exit 0; find -H "$p" -mindepth 1 -printf 'E%y|%m|%u|%g|%U|%G|%s|%p\\0' || exit 3
[ "$h" = 1 ] || exit 0; find -H "$p" -mindepth 1 -type f -exec sha256sum -z -- {} + || exit 3`;

const fileTreeDefinition = defineFact<{ path: string; hashes: boolean }, TreeEntry[]>({
  name: 'file.tree',
  command: ({ path, hashes }) => sh`p=${path}; h=${hashes ? '1' : '0'}; ${sh.raw(TREE_SCRIPT)}`,
  parse: (result, { path }) => {
    if (result.exitCode !== 0) {
      throw new MeshbookError('COMMAND_FAILED', `listing the tree under ${path} failed`, { exitCode: result.exitCode, stderr: result.stderr });
    }
    return parseTree(result.stdout);
  },
});

/** Every entry under a directory (not the directory itself); a link into another tree is not entered. */
export function fileTree(path: string, options: { hashes?: boolean } = {}): FactRequest<TreeEntry[]> {
  return fileTreeDefinition({ path, hashes: options.hashes === true });
}

export function parseTree(stdout: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const hashes = new Map<string, string>();
  for (const record of stdout.split('\0')) {
    if (record.startsWith('E')) {
      const fields = record.slice(1).split('|');
      const [type = '', mode = '', owner = '', group = '', uid = '', gid = '', size = ''] = fields;
      entries.push({ type: TYPES[type] ?? 'other', mode: normalizeMode(mode), owner, group, uid: Number(uid), gid: Number(gid), size: Number(size), path: fields.slice(7).join('|') });
    } else if (/^[0-9a-f]{64} {2}/.test(record)) {
      hashes.set(record.slice(66), record.slice(0, 64));
    }
  }
  for (const entry of entries) {
    const hash = hashes.get(entry.path);
    if (hash !== undefined) entry.sha256 = hash;
  }
  return entries;
}

/** What recurse changes under a directory: who gets chown'd, and which entries get which mode. */
export interface TreeFix {
  /** `owner[:group]` or `:group` for chown -h (links too: their own owner, as Ansible's lchown). */
  chownSpec: string | null;
  chown: string[];
  /** Octal mode → the entries that get it (links never: Linux links have no mode of their own). */
  chmod: Record<string, string[]>;
}

function accountMatches(wanted: string, name: string, id: number): boolean {
  return /^\d+$/.test(wanted) ? Number(wanted) === id : wanted === name;
}

/**
 * The entries whose owner, group or mode differ from what is asked; a symbolic mode is resolved
 * per entry (X gives x to directories and to files that have some x already).
 */
export function treeFix(entries: readonly TreeEntry[], wanted: { mode?: string | undefined; owner?: string | undefined; group?: string | undefined }, resolve: (mode: string, current: string, isDirectory: boolean) => string): TreeFix {
  const fix: TreeFix = { chownSpec: null, chown: [], chmod: {} };
  if (wanted.owner !== undefined || wanted.group !== undefined) fix.chownSpec = `${wanted.owner ?? ''}${wanted.group !== undefined ? `:${wanted.group}` : ''}`;
  for (const entry of entries) {
    const ownerDiffers = wanted.owner !== undefined && !accountMatches(wanted.owner, entry.owner, entry.uid);
    const groupDiffers = wanted.group !== undefined && !accountMatches(wanted.group, entry.group, entry.gid);
    if (ownerDiffers || groupDiffers) fix.chown.push(entry.path);
    if (wanted.mode === undefined || entry.type === 'link') continue;
    const mode = resolve(wanted.mode, entry.mode, entry.type === 'directory');
    if (mode !== entry.mode) (fix.chmod[mode] ??= []).push(entry.path);
  }
  return fix;
}

export function treeFixSize(fix: TreeFix): number {
  return new Set([...fix.chown, ...Object.values(fix.chmod).flat()]).size;
}

/**
 * chown then chmod (chown clears setuid/setgid), the paths on stdin NUL-separated so neither a
 * long list nor a hostile name reaches a command line. Five-digit modes, as attributesCommand.
 */
export function treeFixCommands(fix: TreeFix): { command: ReturnType<typeof sh>; stdin: Buffer }[] {
  const stdin = (paths: string[]) => Buffer.from(paths.map((p) => `${p}\0`).join(''), 'utf8');
  const commands: { command: ReturnType<typeof sh>; stdin: Buffer }[] = [];
  if (fix.chownSpec !== null && fix.chown.length > 0) commands.push({ command: sh`xargs -0 -r chown -h -- ${fix.chownSpec}`, stdin: stdin(fix.chown) });
  for (const [mode, paths] of Object.entries(fix.chmod)) commands.push({ command: sh`xargs -0 -r chmod -- ${`0${mode}`}`, stdin: stdin(paths) });
  return commands;
}
