import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { fileState } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';
import { runWithProgress } from './lib/progress.js';

/** How the files in dest compare with the archive's entries (`tar --diff`). */
export type ArchiveComparison = { ok: true; differing: string[] } | { ok: false; message: string };

const COMPARE_FACT = 'unarchive.compare';

interface CompareArgs {
  src: string;
  dest: string;
  include: string[];
  stripComponents: number;
}

// `tar -d` (GNU) reads the archive (compression detected from the content) and compares each entry
// with the file under dest; exit 1 = differences. A missing dest means every entry is missing.
const COMPARE_SCRIPT = `
if [ ! -d "$dest" ]; then echo nodest; exit 0; fi
tar -d -f "$src" -C "$dest" --strip-components="$strip" -- "$@"`;

const compare = defineFact<CompareArgs, ArchiveComparison>({
  name: COMPARE_FACT,
  command: ({ src, dest, include, stripComponents }) =>
    sh`set -- ${include}; src=${src}; dest=${dest}; strip=${String(stripComponents)};${sh.raw(COMPARE_SCRIPT)}`,
  parse: (result) => {
    if (result.stdout.trim() === 'nodest') return { ok: true, differing: ['*'] };
    if (result.exitCode === 0 || result.exitCode === 1) return { ok: true, differing: parseTarDiff(result.stdout, result.stderr) };
    return { ok: false, message: result.stderr.trim() || `tar exited with ${result.exitCode}` };
  },
});

/**
 * Entries whose content differs or that are missing. Mode, owner and time differences are left
 * out: extraction does not own them (a later task may chmod a binary, and files are extracted as
 * the connecting user rather than the archive's uid).
 */
export function parseTarDiff(stdout: string, stderr: string): string[] {
  const differing = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = line.match(/^(.*): (.+) differs?$/);
    if (m && !/^(Mode|Uid|Gid|Mod time)$/.test(m[2]!)) differing.add(m[1]!);
  }
  for (const line of stderr.split('\n')) {
    const m = line.match(/^tar: (.*): Warning: Cannot (?:stat|readlink|open): /);
    if (m) differing.add(m[1]!);
  }
  return [...differing].map((e) => e.replace(/^\.\//, '')).filter((e) => e !== '' && e !== '.');
}

const absolutePath = z.string().regex(/^\//, 'an absolute path');

/** The unarchive task's params as written (an interface, so editors show each field's documentation). */
export interface UnarchiveInput {
  /** The archive, already on the host: .tar, .tar.gz/.tgz, .tar.xz, .tar.bz2, .tar.zst. */
  src: string;
  /** Directory to extract into; created when missing. */
  dest: string;
  /** Only these entries (as listed by `tar -t`, e.g. ['cilium']); default: all. */
  include?: string[] | undefined;
  /** Leading path components removed from each entry (tar's --strip-components); default 0. */
  stripComponents?: number | undefined;
  /**
   * When given, this path existing means done (fast, no comparison). Without it the archive is
   * compared with dest entry by entry, so a changed archive or a deleted file is extracted again.
   */
  creates?: string | undefined;
}

const paramsSchema = z
  .object({
    src: absolutePath.refine((s) => !s.endsWith('/'), 'an archive file path'),
    dest: absolutePath,
    include: z.array(z.string().min(1).refine((e) => !e.startsWith('-'), 'an entry name, not an option')).default([]),
    stripComponents: z.number().int().min(0).default(0),
    creates: absolutePath.optional(),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, UnarchiveInput> = paramsSchema;

type UnarchiveParams = z.output<typeof params>;

export interface UnarchiveFacts {
  archive: FileState;
  creates: FileState | null;
  comparison: ArchiveComparison | null;
}

/** What `tar -x` is given. */
export interface Extraction {
  src: string;
  dest: string;
  include: string[];
  stripComponents: number;
}

export type UnarchiveChange = Change<'unarchive.extract', Extraction>;

/**
 * A tar archive on the host extracted into a directory. Idempotent without any marker file:
 * `creates` short-cuts the check, otherwise `tar --diff` compares the archive with what is in dest
 * (content and presence), which also notices a new archive version or a deleted file.
 */
export const unarchive = defineModule({
  name: 'unarchive',
  params,
  // With `creates` only that path is asked; otherwise tar compares the archive with dest.
  facts: (p) => ({
    archive: fileState(p.src, 0),
    creates: p.creates ? fileState(p.creates, 0) : null,
    comparison: p.creates ? null : compare({ src: p.src, dest: p.dest, include: p.include, stripComponents: p.stripComponents }),
  }),
  plan(facts: UnarchiveFacts, p): UnarchiveChange[] {
    if (!facts.archive.exists || facts.archive.type !== 'file') {
      throw new MeshbookError('MODULE_FAILED', `unarchive: archive ${p.src} not found on the host`, { hint: 'download it first (getUrl) or fix src' });
    }
    const what = p.include.length ? ` (${p.include.join(', ')})` : '';
    const extract = (reason: string): UnarchiveChange[] => [
      {
        kind: 'unarchive.extract',
        target: p.dest,
        summary: `extract ${p.src}${what} into ${p.dest}: ${reason}`,
        before: reason,
        after: `sha256:${facts.archive.sha256}`,
        payload: { src: p.src, dest: p.dest, include: p.include, stripComponents: p.stripComponents },
      },
    ];
    if (p.creates) return facts.creates?.exists ? [] : extract(`${p.creates} does not exist`);
    const comparison = facts.comparison!;
    if (!comparison.ok) throw new MeshbookError('MODULE_FAILED', `unarchive: comparing ${p.src} with ${p.dest} failed: ${comparison.message}`);
    if (comparison.differing.length === 0) return [];
    if (comparison.differing[0] === '*') return extract(`${p.dest} does not exist`);
    return extract(`${comparison.differing.length} entr${comparison.differing.length === 1 ? 'y differs' : 'ies differ'} (${listed(comparison.differing)})`);
  },
  async apply(ctx, changes) {
    for (const { payload: x } of changes) {
      // -v: each extracted entry is a progress line (a large archive shows where it is).
      const command = sh`mkdir -p -- ${x.dest} && tar -xv --no-same-owner -f ${x.src} -C ${x.dest} --strip-components=${String(x.stripComponents)} -- ${x.include}`;
      const result = await runWithProgress(ctx, command);
      if (result.exitCode !== 0) {
        throw new MeshbookError('COMMAND_FAILED', `unarchive: extracting ${x.src} into ${x.dest} failed: ${result.stderr.trim() || `exit code ${result.exitCode}`}`, {
          host: ctx.host,
          command: command.display,
          exitCode: result.exitCode,
        });
      }
    }
  },
});

function listed(entries: readonly string[], max = 5): string {
  return entries.length > max ? `${entries.slice(0, max).join(', ')}, …` : entries.join(', ');
}
