import { posix } from 'node:path';
import { z } from 'zod';
import { MASK, MeshbookError, Secret, joinCommands, sh } from '@meshbook/engine';
import type { Change, ChangeDisplay, ModuleContext, ShellCommand, WrittenPath } from '@meshbook/engine';
import { attributesCommand, attributesOf, planAttributes } from './file-attributes.js';
import type { AttributeChange } from './file-attributes.js';
import type { FileAttributes } from './file-attributes.js';
import { absentFileState, sha256, textOf } from './file-facts.js';
import { resolveMode } from './symbolic-mode.js';
import type { FileState } from './file-facts.js';

/** A file on the host whose content becomes the destination's: known by checksum, text when small. */
export interface HostFile {
  path: string;
  sha256: string;
  size: number;
  text: string | null;
}

/** A whole file as it should be: what copy, template and the in-place editors all end with. */
export interface DesiredFile {
  /** The path as the user gave it (change target). Writes go to the fact's realPath (links followed). */
  path: string;
  /** The content; ignored (empty) when `fromHost` names a file already on the host. */
  bytes: Buffer;
  /** copy remote_src: the content is a file on the host, copied there (never through the controller). */
  fromHost?: HostFile | undefined;
  /** Content is secret: diffs are masked and no text of it goes into the change. */
  sensitive: boolean;
  attributes: FileAttributes;
}

export interface WriteOptions {
  /** Replace an existing file whose content differs (false: only create when absent). */
  force?: boolean;
  /** Keep `<path>.<timestamp>~` before overwriting. */
  backup?: boolean;
  /** A new file's missing parent directories are made (mkdir -p, mode from the umask), as Ansible's create. */
  createParents?: boolean;
  /** A command checking the new content (`visudo -cf %s`) before it replaces the file. */
  validate?: string | undefined;
  /**
   * A symlink at the path: true writes through to its target; false replaces the link itself with
   * the file (Ansible's copy/template `follow`, default false there).
   */
  follow?: boolean;
}

/**
 * `validate`: a command run on the host with `%s` replaced by a temp file holding the new content
 * (quoted); the file is replaced only when it exits 0 (Ansible's validate). The command is the
 * user's shell text, as a command task's; only the path is substituted.
 */
export const validateCommand = z
  .string()
  .refine((c) => c.includes('%s'), "a command containing %s (the file to check), such as 'visudo -cf %s'")
  .refine((c) => !c.includes('\0') && !c.includes('\n'), 'a command on one line');

/** The validate command with each `%s` replaced by the quoted path. */
export function validateShell(command: string, path: string): ShellCommand {
  const parts = command.split('%s');
  const pieces: ShellCommand[] = [];
  parts.forEach((part, i) => {
    if (i > 0) pieces.push(sh`${path}`);
    pieces.push(sh`${sh.raw(part)}`);
  });
  return joinCommands(pieces, '');
}

export interface WriteOutput {
  path: string;
  sha256: string;
  backupFile?: string;
}

/** Where a file change lands, and what the module's output says of it. */
interface FileTarget {
  /** The path as the user gave it (the output's path). */
  path: string;
  /** Where writes go: the link resolved. */
  realPath: string;
  /** The sha256 the file has once applied (the output's). */
  sha256: string;
}

/** Payload of `<module>.content`: the whole file, written atomically (or in place on a mount point). */
export interface FileWrite extends FileTarget {
  /** A secret's bytes stay inside a Secret, so no change record carries them. */
  bytes: Buffer | Secret;
  /** Copy this file on the host instead of sending `bytes` (copy remote_src). */
  fromHost: string | undefined;
  mode: number;
  owner: string | undefined;
  group: string | undefined;
  /** A bind-mounted file (Docker's /etc/hosts): rewritten in place, not renamed over. */
  inPlace: boolean;
  /** Keep `<path>.<timestamp>~` of the file being replaced. */
  backup: boolean;
  /** The file is new: a new entry in its directory. */
  created: boolean;
  /** The file is new and its missing parent directories are made first. */
  createParents: boolean;
  /** Checks the new content in a temp file first; a non-zero exit leaves the file untouched. */
  validate: string | undefined;
}

/** Payload of `<module>.owner`, `.group`, `.mode`: one attribute of an existing file, set as given. */
export interface AttributeFix extends FileTarget {
  value: string;
}

export type FileContentChange<M extends string> = Change<`${M}.content`, FileWrite>;
export type FileChange<M extends string> = FileContentChange<M> | AttributeChange<M, FileTarget>;

/** The `<module>.content` change (if any) then mode/owner/group changes of an existing file. */
export function planFile<M extends string>(module: M, found: FileState, desired: DesiredFile, options: WriteOptions = {}): FileChange<M>[] {
  // follow: false on a symlink: the link is replaced, so the file is new (and written at the link's path).
  const replacesLink = options.follow === false && found.isLink;
  if (replacesLink && found.type === 'directory') {
    throw new MeshbookError('MODULE_FAILED', `${desired.path} is a symlink to a directory, not a file`, { hint: 'remove the link first, or name a file inside the directory' });
  }
  const state = replacesLink ? { ...absentFileState(desired.path) } : found;
  if (state.exists && state.type !== 'file') {
    throw new MeshbookError('MODULE_FAILED', `${desired.path} is a ${state.type}, not a regular file`, {
      hint: `remove it or choose another ${module} destination`,
    });
  }
  // force: false leaves an existing file wholly alone, mode and owner too (as Ansible's copy).
  if (state.exists && options.force === false) return [];
  const changes: FileChange<M>[] = [];
  const wantedSha = desired.fromHost ? desired.fromHost.sha256 : sha256(desired.bytes);
  const created = !state.exists;
  const target: FileTarget = { path: desired.path, realPath: state.realPath, sha256: wantedSha };
  if (created || state.sha256 !== wantedSha) {
    const { mode, owner, group } = desired.attributes;
    const write: FileWrite = {
      ...target,
      bytes: desired.sensitive ? new Secret(desired.bytes.toString('utf8')) : desired.bytes,
      mode: parseInt(mode === undefined ? (state.mode ?? '0644') : resolveMode(mode, state.mode, false), 8),
      // Unset attributes keep the existing file's (by id, which survives a missing name).
      owner: owner ?? (state.exists && state.uid !== null ? String(state.uid) : undefined),
      group: group ?? (state.exists && state.gid !== null ? String(state.gid) : undefined),
      fromHost: desired.fromHost?.path,
      inPlace: state.mountPoint,
      backup: options.backup === true && state.exists,
      created,
      createParents: options.createParents === true && created,
      validate: options.validate,
    };
    const display = contentDisplay(state, desired, wantedSha);
    if (replacesLink) {
      display.summary = `replace the symlink (→ ${found.linkTarget}) with a file (${desiredSize(desired)} bytes)`;
      display.before = `symlink → ${found.linkTarget}`;
    }
    changes.push({ ...display, kind: `${module}.content`, payload: write });
  }
  // A new file gets its attributes as it is written; only an existing one can differ.
  return changes.concat(planAttributes(module, target, state, desired.attributes));
}

function desiredSize(desired: DesiredFile): number {
  return desired.fromHost ? desired.fromHost.size : desired.bytes.length;
}

function contentDisplay(state: FileState, desired: DesiredFile, wantedSha: string): ChangeDisplay {
  const path = desired.path;
  const size = `${desiredSize(desired)} bytes`;
  const summary = state.exists ? `update content (${state.size} → ${size})` : `create (${size}${desired.attributes.mode ? `, mode ${desired.attributes.mode}` : ''})`;
  const base = { target: path, summary };
  if (desired.sensitive) {
    return { ...base, sensitive: true, content: { path, before: state.exists ? MASK : null, after: MASK } };
  }
  const after = desired.fromHost ? desired.fromHost.text : textOf(desired.bytes);
  const before = state.exists ? state.text : null;
  // A text diff needs both sides as text; binary or large files are compared by checksum only.
  if (after !== null && (!state.exists || before !== null)) return { ...base, content: { path, before, after } };
  return { ...base, before: state.exists ? `sha256:${state.sha256?.slice(0, 16)}… (${state.size} bytes)` : null, after: `sha256:${wantedSha.slice(0, 16)}… (${size})` };
}

/**
 * The paths applyFile may write for these changes (ModuleDefinition.writes): the file as given and
 * where its links lead; its directory too when an entry is added there. A new file, the validate
 * temp file (gone again) and parents made change the directory itself, not the other entries in
 * it; a backup adds an entry whose name is only known at apply, so then all of it counts.
 */
export function fileWrites<M extends string>(changes: readonly FileChange<M>[]): WrittenPath[] {
  const paths: WrittenPath[] = [];
  for (const change of changes) {
    paths.push(change.payload.path, change.payload.realPath);
    if (change.kind.endsWith('.content')) {
      const write = change.payload as FileWrite;
      const directory = posix.dirname(write.realPath);
      if (write.backup) paths.push(directory);
      else if (write.created || write.validate !== undefined || write.createParents) paths.push({ path: directory, below: false });
    }
  }
  return paths;
}

/** Carries out planFile's changes from their payloads: an atomic put for content (with attributes), else chown/chmod. */
export async function applyFile<M extends string>(ctx: ModuleContext, changes: readonly FileChange<M>[]): Promise<WriteOutput> {
  const write = changes.find((c): c is FileContentChange<M> => c.kind.endsWith('.content'))?.payload;
  const first = write ?? changes[0]?.payload;
  if (!first) throw new MeshbookError('INTERNAL', 'applyFile: no change to apply');
  const output: WriteOutput = { path: first.path, sha256: first.sha256 };
  if (write?.fromHost !== undefined) {
    await copyOnHost(ctx, write, output);
    // Renamed into place with every attribute; a mount point rewritten in place still needs them.
    if (!write.inPlace) return output;
  } else if (write) {
    // Made by the put itself when nothing comes before it (one round trip less).
    const parentsFirst = write.createParents && (write.validate !== undefined || write.backup || write.inPlace);
    if (parentsFirst) await ctx.exec(sh`mkdir -p -- ${posix.dirname(write.realPath)}`);
    const bytes = write.bytes instanceof Secret ? Buffer.from(write.bytes.reveal(), 'utf8') : write.bytes;
    if (write.validate !== undefined) await validateContent(ctx, write, bytes);
    if (write.backup) {
      output.backupFile = `${write.realPath}.${timestamp()}~`;
      await ctx.exec(sh`cp -p -- ${write.realPath} ${output.backupFile}`);
    }
    if (!write.inPlace) {
      // The put sets every attribute: the attribute changes are done with it.
      await ctx.put(write.realPath, bytes, { mode: write.mode, owner: write.owner, group: write.group, createParents: write.createParents && !parentsFirst });
      return output;
    }
    await rewriteInPlace(ctx, write.realPath, bytes, write.sha256);
  }
  const command = attributesCommand(first.realPath, attributesOf(changes));
  if (command) await ctx.exec(command);
  return output;
}

/**
 * copy remote_src: the host copies the file into a temp file beside the destination (mode, owner,
 * checksum checked, validated), then renames it over the destination (a mount point: rewritten in
 * place from it); the temp file never stays.
 */
async function copyOnHost(ctx: ModuleContext, write: FileWrite, output: WriteOutput): Promise<void> {
  const source = write.fromHost!;
  if (write.createParents) await ctx.exec(sh`mkdir -p -- ${posix.dirname(write.realPath)}`);
  const temp = (await ctx.exec(sh`mktemp -- ${`${posix.dirname(write.realPath)}/.${posix.basename(write.realPath)}.meshbook-copy.XXXXXX`}`)).stdout.trim();
  try {
    const owner = write.owner !== undefined || write.group !== undefined ? sh` && chown -- ${`${write.owner ?? ''}${write.group !== undefined ? `:${write.group}` : ''}`} "$t"` : sh``;
    const copied = await ctx.exec(sh`t=${temp}; cat -- ${source} > "$t"${owner} && chmod -- ${`0${write.mode.toString(8).padStart(4, '0')}`} "$t" && sha256sum < "$t"`);
    if (!copied.stdout.startsWith(write.sha256)) {
      throw new MeshbookError('TRANSFER_FAILED', `copying ${source} to ${write.path}: the source changed since it was checked (checksum mismatch)`, { host: ctx.host, hint: 'run again once the source file is no longer being written' });
    }
    if (write.validate !== undefined) await runValidate(ctx, write, temp);
    if (write.backup) {
      output.backupFile = `${write.realPath}.${timestamp()}~`;
      await ctx.exec(sh`cp -p -- ${write.realPath} ${output.backupFile}`);
    }
    if (!write.inPlace) {
      await ctx.exec(sh`mv -fT -- ${temp} ${write.realPath}`);
      return;
    }
    const result = await ctx.exec(sh`cat -- ${temp} > ${write.realPath} && sha256sum < ${write.realPath}`);
    if (!result.stdout.startsWith(write.sha256)) throw new MeshbookError('TRANSFER_FAILED', `copying ${source} onto ${write.realPath} in place: checksum mismatch`, { host: ctx.host });
  } finally {
    await ctx.run(sh`rm -f -- ${temp}`);
  }
}

/**
 * Writes the new content, with its mode and owner, to a temp file beside the destination and runs
 * the validate command on it; the temp file is removed either way. Throws when the check fails, so
 * the destination is never written.
 */
async function validateContent(ctx: ModuleContext, write: FileWrite, bytes: Buffer): Promise<void> {
  const dir = posix.dirname(write.realPath);
  const made = await ctx.exec(sh`mktemp -- ${`${dir}/.${posix.basename(write.realPath)}.meshbook-validate.XXXXXX`}`);
  const temp = made.stdout.trim();
  try {
    await ctx.put(temp, bytes, { mode: write.mode, owner: write.owner, group: write.group });
    await runValidate(ctx, write, temp);
  } finally {
    await ctx.run(sh`rm -f -- ${temp}`);
  }
}

/** The validate command on a temp file holding the new content; throws when it exits non-zero. */
async function runValidate(ctx: ModuleContext, write: FileWrite, temp: string): Promise<void> {
  const result = await ctx.run(validateShell(write.validate!, temp));
  if (result.exitCode !== 0) {
    const said = `${result.stderr}${result.stdout}`.trim().split(temp).join('<new content>');
    throw new MeshbookError('MODULE_FAILED', `${write.path}: validate failed (exit ${result.exitCode}), the file is left as it was${said ? `: ${said}` : ''}`, {
      host: ctx.host,
      hint: 'fix the content so the validate command accepts it, or fix the validate command',
    });
  }
}

/**
 * A bind-mounted file (Docker's /etc/hosts) cannot be renamed over: rewrite its bytes in place
 * (not atomic: the only way there is, as Ansible's unsafe_writes) and check the result's sha256.
 */
async function rewriteInPlace(ctx: ModuleContext, path: string, bytes: Buffer, wantedSha: string): Promise<void> {
  const result = await ctx.exec(sh`cat > ${path} && sha256sum < ${path}`, { stdin: bytes });
  if (!result.stdout.startsWith(wantedSha)) {
    throw new MeshbookError('TRANSFER_FAILED', `rewriting ${path} in place: checksum mismatch`, { host: ctx.host });
  }
}

/** Local time, sortable, no characters a shell or a filesystem minds: 2024-05-01@13:02:03 like Ansible. */
function timestamp(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}@${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
}
