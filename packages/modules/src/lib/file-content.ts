import { MASK, MeshbookError, sh } from '@meshbook/engine';
import type { Change, ModuleContext } from '@meshbook/engine';
import { attributesCommand, attributesToFix, planAttributes } from './file-attributes.js';
import type { FileAttributes } from './file-attributes.js';
import { sha256, textOf } from './file-facts.js';
import type { FileState } from './file-facts.js';

/** A whole file as it should be: what copy, template and the in-place editors all end with. */
export interface DesiredFile {
  /** The path as the user gave it (change target). Writes go to the fact's realPath (links followed). */
  path: string;
  bytes: Buffer;
  /** Content is secret: diffs are masked and no text of it goes into the change. */
  sensitive: boolean;
  attributes: FileAttributes;
}

export interface WriteOptions {
  /** Replace an existing file whose content differs (false: only create when absent). */
  force?: boolean;
  /** Keep `<path>.<timestamp>~` before overwriting. */
  backup?: boolean;
}

export interface WriteOutput {
  path: string;
  sha256: string;
  backupFile?: string;
}

/** The `<module>.content` change (if any) then mode/owner/group changes of an existing file. */
export function planFile(module: string, state: FileState, desired: DesiredFile, options: WriteOptions = {}): Change[] {
  if (state.exists && state.type !== 'file') {
    throw new MeshbookError('MODULE_FAILED', `${desired.path} is a ${state.type}, not a regular file`, {
      hint: `remove it or choose another ${module} destination`,
    });
  }
  const changes: Change[] = [];
  const wantedSha = sha256(desired.bytes);
  const created = !state.exists;
  if (created || ((options.force ?? true) && state.sha256 !== wantedSha)) {
    changes.push(contentChange(module, state, desired, wantedSha));
  }
  // A new file gets its attributes as it is written; only an existing one can differ.
  return changes.concat(planAttributes(module, desired.path, state, desired.attributes));
}

function contentChange(module: string, state: FileState, desired: DesiredFile, wantedSha: string): Change {
  const path = desired.path;
  const size = `${desired.bytes.length} bytes`;
  const summary = state.exists ? `update content (${state.size} → ${size})` : `create (${size}${desired.attributes.mode ? `, mode ${desired.attributes.mode}` : ''})`;
  const base = { kind: `${module}.content`, target: path, summary };
  if (desired.sensitive) {
    return { ...base, sensitive: true, content: { path, before: state.exists ? MASK : null, after: MASK } };
  }
  const after = textOf(desired.bytes);
  const before = state.exists ? state.text : null;
  // A text diff needs both sides as text; binary or large files are compared by checksum only.
  if (after !== null && (!state.exists || before !== null)) return { ...base, content: { path, before, after } };
  return { ...base, before: state.exists ? `sha256:${state.sha256?.slice(0, 16)}… (${state.size} bytes)` : null, after: `sha256:${wantedSha.slice(0, 16)}… (${size})` };
}

/** Carries out planFile's changes: an atomic put for content (with attributes), else chown/chmod. */
export async function applyFile(
  ctx: ModuleContext,
  module: string,
  changes: readonly Change[],
  state: FileState,
  desired: DesiredFile,
  options: WriteOptions = {},
): Promise<WriteOutput> {
  const output: WriteOutput = { path: desired.path, sha256: sha256(desired.bytes) };
  const target = state.realPath;
  if (changes.some((c) => c.kind === `${module}.content`)) {
    if (options.backup && state.exists) {
      output.backupFile = `${target}.${timestamp()}~`;
      await ctx.exec(sh`cp -p -- ${target} ${output.backupFile}`);
    }
    if (state.mountPoint) {
      await rewriteInPlace(ctx, target, desired.bytes, output.sha256);
    } else {
      const { mode, owner, group } = desired.attributes;
      // Unset attributes keep the existing file's (by id, which survives a missing name).
      await ctx.put(target, desired.bytes, {
        mode: parseInt(mode ?? state.mode ?? '0644', 8),
        owner: owner ?? (state.exists && state.uid !== null ? String(state.uid) : undefined),
        group: group ?? (state.exists && state.gid !== null ? String(state.gid) : undefined),
      });
      return output;
    }
  }
  const command = attributesCommand(target, attributesToFix(module, changes, desired.attributes));
  if (command) await ctx.exec(command);
  return output;
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
