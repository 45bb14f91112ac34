import { z } from 'zod';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { fileState } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, runAptGet } from './lib/apt-get.js';
import type { DocumentedParams } from './lib/documented-params.js';

export const SOURCES_DIR = '/etc/apt/sources.list.d';

const word = (what: string) => z.string().regex(/^[^\s\[\]#]+$/, `${what} without blanks, brackets or #`);

/** The aptRepository task's params as written (an interface, so editors show each field's documentation). */
export interface AptRepositoryInput {
  /** The source's file, /etc/apt/sources.list.d/NAME.list ('.list' is added when missing). Ansible: filename. */
  name: string;
  /** deb (default): binary packages; deb-src: source packages. */
  type?: 'deb' | 'deb-src' | undefined;
  /** The repository's URL (http, https, ftp or file). */
  uri: string;
  /** Distribution ('bookworm'), or a path ending in '/' for a flat repository ('/'). */
  suite: string;
  /** Components ('main', 'stable'); required unless suite ends in '/'. */
  components?: string[] | undefined;
  /** Architectures ('amd64'), one or several: arch= in the line; default: apt's own. */
  arch?: string | string[] | undefined;
  /** The keyring that signs the repository, e.g. /etc/apt/keyrings/docker.gpg (aptKey's file): signed-by= in the line. */
  signedBy?: string | undefined;
  /** present (default): the file holds exactly this one line; absent: the file is removed. Ansible: state. */
  state?: 'present' | 'absent' | undefined;
  /** Refresh the package lists (only this source's) after the file changed. Default true. Ansible: update_cache. */
  updateCache?: boolean | undefined;
  /** Seconds to wait for another apt/dpkg to release its lock before failing. Default 300. */
  lockTimeoutSeconds?: number | undefined;
}

const paramsSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, "a file name such as 'docker' (letters, digits, _ . -)")
      .transform((n) => (n.endsWith('.list') ? n : `${n}.list`)),
    type: z.enum(['deb', 'deb-src']).default('deb'),
    uri: z.url({ protocol: /^(https?|file|ftp)$/, error: 'a repository URL (http, https, file)' }),
    suite: word('suite'),
    components: z.array(word('component')).default([]),
    arch: z
      .union([word('arch'), z.array(word('arch')).min(1)])
      .transform((a) => (Array.isArray(a) ? a : [a]))
      .optional(),
    signedBy: z.string().regex(/^\/[^\s\]]+$/, 'an absolute keyring path').optional(),
    state: z.enum(['present', 'absent']).default('present'),
    updateCache: z.boolean().default(true),
    lockTimeoutSeconds: z.number().int().min(0).default(DEFAULT_LOCK_TIMEOUT_SECONDS),
  })
  .strict()
  .superRefine((p, ctx) => {
    const flat = p.suite.endsWith('/');
    if (flat && p.components.length > 0) ctx.addIssue({ code: 'custom', path: ['components'], message: "a flat repository (suite ending in '/') has no components" });
    if (!flat && p.components.length === 0) ctx.addIssue({ code: 'custom', path: ['components'], message: "at least one component (e.g. 'main'), unless suite ends in '/'" });
  });
const params: DocumentedParams<typeof paramsSchema, AptRepositoryInput> = paramsSchema;

type AptRepositoryParams = z.output<typeof params>;

/** `deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] URI SUITE COMPONENTS…` */
export function repositoryLine(p: Pick<AptRepositoryParams, 'type' | 'uri' | 'suite' | 'components' | 'arch' | 'signedBy'>): string {
  const options = [...(p.arch ? [`arch=${p.arch.join(',')}`] : []), ...(p.signedBy ? [`signed-by=${p.signedBy}`] : [])];
  return [p.type, ...(options.length ? [`[${options.join(' ')}]`] : []), p.uri, p.suite, ...p.components].join(' ');
}

export type AptRepositoryChange =
  /** The file's new text, and the old one (put back when the refresh fails). `refresh`: apt-get update this source. */
  | Change<'apt_repository.file', { path: string; text: string; previous: string | null; refresh: boolean }>
  /** `refresh`: a full apt-get update, so the source's packages stop being candidates. */
  | Change<'apt_repository.remove', { path: string; refresh: boolean }>;

export function sourcesPath(name: string): string {
  return `${SOURCES_DIR}/${name}`;
}

/**
 * One apt source as a one-line file in /etc/apt/sources.list.d. The package lists are refreshed
 * only when the file changed, and then only for this source, so other (maybe slow) mirrors are
 * not contacted.
 */
export const aptRepository = defineModule({
  name: 'aptRepository',
  params,
  facts: (p) => fileState(sourcesPath(p.name)),
  plan(file: FileState, p): AptRepositoryChange[] {
    const path = sourcesPath(p.name);
    if (file.exists && file.type !== 'file') throw new MeshbookError('MODULE_FAILED', `aptRepository: ${path} exists and is not a regular file`);
    const before = file.exists ? (file.text ?? '') : null;
    if (p.state === 'absent') {
      return before === null
        ? []
        : [{ kind: 'apt_repository.remove', target: path, summary: `remove ${path}`, content: { path, before, after: '' }, payload: { path, refresh: p.updateCache } }];
    }
    const after = `${repositoryLine(p)}\n`;
    if (before === after) return [];
    const refresh = p.updateCache ? ' and refresh its package lists' : '';
    return [
      {
        kind: 'apt_repository.file',
        target: path,
        summary: `${before === null ? 'add' : 'update'} ${path}${refresh}`,
        content: { path, before, after },
        payload: { path, text: after, previous: before, refresh: p.updateCache },
      },
    ];
  },
  async apply(ctx, changes, p) {
    const change = changes[0]!;
    const { path } = change.payload;
    const options = { lockTimeoutSeconds: p.lockTimeoutSeconds };
    if (change.kind === 'apt_repository.remove') {
      await ctx.exec(sh`rm -f -- ${path}`);
      if (change.payload.refresh) await runAptGet(ctx, ['update'], options);
      return;
    }
    await ctx.exec(sh`mkdir -p -- ${SOURCES_DIR}`);
    await ctx.put(path, change.payload.text, { mode: 0o644, keepExisting: true });
    if (!change.payload.refresh) return;
    try {
      await runAptGet(ctx, ['update', '-o', `Dir::Etc::sourcelist=${path}`, '-o', 'Dir::Etc::sourceparts=-', '-o', 'APT::Get::List-Cleanup=0'], options);
    } catch (error) {
      // Put the old file back: a source apt cannot read breaks every later apt-get update, and the
      // next run must see the change again (the refresh happens only when the file changes).
      const { previous } = change.payload;
      if (previous === null) await ctx.run(sh`rm -f -- ${path}`);
      else await ctx.put(path, previous, { mode: 0o644, keepExisting: true });
      throw error;
    }
  },
});
