import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change, CommandResult } from '@meshbook/engine';
import { fileState, normalizeMode } from './lib/file-facts.js';
import { runWithProgress } from './lib/progress.js';
import type { FileState } from './lib/file-facts.js';

/** Exit codes of the download script, so apply can tell the user which step failed. */
const EXIT = { noDir: 64, checksum: 65, download: 66 } as const;

// Download next to dest (same filesystem, so the rename is atomic), verify, then rename over dest.
// The trap removes the temp file on every path, so a failed download or checksum leaves dest as it was.
const DOWNLOAD_SCRIPT = `
dir=$(dirname -- "$dest")
[ -d "$dir" ] || { echo "directory $dir does not exist" >&2; exit ${EXIT.noDir}; }
tmp=$(mktemp "$dir/.meshbook-get_url.XXXXXX") || exit 1
trap 'rm -f -- "$tmp"' EXIT
echo "downloading $url"
curl -fsSL --proto '=http,https' --max-time "$timeout" -o "$tmp" -- "$url" || exit ${EXIT.download}
actual=$(sha256sum < "$tmp") || exit 1
actual=\${actual%% *}
[ "$actual" = "$sum" ] || { echo "sha256:$actual" >&2; exit ${EXIT.checksum}; }
echo "downloaded $(wc -c < "$tmp") bytes, sha256 verified"
chmod "$mode" "$tmp" || exit 1
if [ -n "$owner" ]; then chown -- "$owner" "$tmp" || exit 1; fi
mv -f -- "$tmp" "$dest"`;

export const modeSchema = z
  .union([z.string().regex(/^0?[0-7]{3,4}$/, "an octal mode such as '0755'"), z.number().int().min(0).max(0o7777)])
  .transform((m) => normalizeMode(m));

/** The get_url task's params as written (an interface, so editors show each field's documentation). */
export interface GetUrlInput {
  /** The http(s) URL to download, on the host (curl). */
  url: string;
  /** The file to create; its directory must exist. */
  dest: string;
  /** Required, `sha256:<64 hex digits>`: the download is verified, and a dest with this checksum is never downloaded again. */
  checksum: string;
  /** The file's mode, octal ('0755' or 0o755); default: the existing dest's mode, else '0644'. */
  mode?: string | number | undefined;
  /** Owner (user name or uid); default: left as the download creates it. */
  owner?: string | undefined;
  /** Group (group name or gid); default: left as the download creates it. */
  group?: string | undefined;
  /** curl's --max-time for the whole download (default 600). */
  timeoutSeconds?: number | undefined;
}

const paramsSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
    dest: z.string().regex(/^\/.*[^/]$/, 'an absolute file path (not a directory)'),
    checksum: z
      .string()
      .regex(/^sha256:[0-9a-fA-F]{64}$/, "'sha256:' followed by 64 hex digits")
      .transform((c) => c.toLowerCase()),
    mode: modeSchema.optional(),
    owner: z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$|^\d+$/, 'a user name or uid').optional(),
    group: z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$|^\d+$/, 'a group name or gid').optional(),
    timeoutSeconds: z.number().int().min(1).default(600),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, GetUrlInput> = paramsSchema;

type GetUrlParams = z.output<typeof params>;

/** A download, verified by sha256 before it replaces dest, with its final mode and owner. */
export interface Download {
  url: string;
  dest: string;
  sha256: string;
  mode: string;
  /** `owner:group` for chown, '' to leave as created. */
  owner: string;
  timeoutSeconds: number;
}

export type GetUrlChange =
  | Change<'get_url.download', Download>
  | Change<'get_url.mode', { dest: string; mode: string }>
  /** `owner` is chown's `owner:group`. */
  | Change<'get_url.owner', { dest: string; owner: string }>;

/**
 * A file downloaded on the host (curl) and verified by sha256 before it replaces dest. Idempotent
 * by dest's checksum: a dest that already matches is never downloaded again.
 */
export const getUrl = defineModule({
  name: 'getUrl',
  params,
  facts: (p) => fileState(p.dest, 0),
  plan(dest: FileState, p): GetUrlChange[] {
    if (dest.exists && dest.type !== 'file') throw new MeshbookError('MODULE_FAILED', `getUrl: ${p.dest} exists and is not a regular file`);
    const wanted = p.checksum.slice('sha256:'.length);
    if (!dest.exists || dest.sha256 !== wanted) {
      return [
        {
          kind: 'get_url.download',
          target: p.dest,
          summary: `download ${p.url} to ${p.dest}`,
          before: dest.exists ? `sha256:${dest.sha256}` : null,
          after: p.checksum,
          payload: {
            url: p.url,
            dest: p.dest,
            sha256: wanted,
            mode: p.mode ?? dest.mode ?? '0644',
            owner: p.owner || p.group ? `${p.owner ?? ''}${p.group ? `:${p.group}` : ''}` : '',
            timeoutSeconds: p.timeoutSeconds,
          },
        },
      ];
    }
    const changes: GetUrlChange[] = [];
    if (p.mode && dest.mode !== p.mode) {
      changes.push({ kind: 'get_url.mode', target: p.dest, summary: `${p.dest}: mode ${dest.mode} → ${p.mode}`, before: dest.mode, after: p.mode, payload: { dest: p.dest, mode: p.mode } });
    }
    const owner = ownerChange(dest, p);
    if (owner) changes.push(owner);
    return changes;
  },
  async apply(ctx, changes, p) {
    for (const change of changes) {
      switch (change.kind) {
        case 'get_url.download': {
          const d = change.payload;
          const command = sh`url=${d.url}; dest=${d.dest}; sum=${d.sha256}; mode=${d.mode}; owner=${d.owner}; timeout=${String(d.timeoutSeconds)};${sh.raw(DOWNLOAD_SCRIPT)}`;
          const result = await runWithProgress(ctx, command);
          if (result.exitCode !== 0) throw downloadFailure(ctx.host, command.display, result, p);
          break;
        }
        case 'get_url.mode':
          await ctx.exec(sh`chmod ${change.payload.mode} -- ${change.payload.dest}`);
          break;
        case 'get_url.owner':
          await ctx.exec(sh`chown ${change.payload.owner} -- ${change.payload.dest}`);
          break;
      }
    }
  },
});

function ownerChange(dest: FileState, p: GetUrlParams): GetUrlChange | null {
  const ownerDiffers = p.owner !== undefined && p.owner !== dest.owner && p.owner !== String(dest.uid);
  const groupDiffers = p.group !== undefined && p.group !== dest.group && p.group !== String(dest.gid);
  if (!ownerDiffers && !groupDiffers) return null;
  const after = `${p.owner ?? dest.owner}:${p.group ?? dest.group}`;
  const before = `${dest.owner}:${dest.group}`;
  return { kind: 'get_url.owner', target: p.dest, summary: `${p.dest}: owner ${before} → ${after}`, before, after, payload: { dest: p.dest, owner: after } };
}

function downloadFailure(host: string, command: string, result: CommandResult, p: GetUrlParams): MeshbookError {
  const details = { host, command, exitCode: result.exitCode, stderr: result.stderr };
  if (result.exitCode === EXIT.checksum) {
    return new MeshbookError(
      'MODULE_FAILED',
      `getUrl: checksum mismatch for ${p.url}: expected ${p.checksum}, got ${result.stderr.trim()}; ${p.dest} left untouched`,
      { ...details, hint: 'check the checksum, or whether the file at the URL changed' },
    );
  }
  if (result.exitCode === EXIT.download) return new MeshbookError('MODULE_FAILED', `getUrl: downloading ${p.url} failed`, details);
  if (result.exitCode === EXIT.noDir) return new MeshbookError('MODULE_FAILED', `getUrl: ${result.stderr.trim()}`, details);
  return new MeshbookError('COMMAND_FAILED', `getUrl: installing ${p.dest} failed`, details);
}
