import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { MeshbookError, Secret, defineModule } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { absolutePath } from './kubeadm/grammar.js';
import { contentText, secretFile, type SecretFileState } from './lib/secret-file.js';
import type { DocumentedParams } from './lib/documented-params.js';

/** The fetch task's params as written (an interface, so editors show each field's documentation). */
export interface FetchInput {
  /** The file on the host, an absolute path. Ansible: src. */
  path: string;
  /** The content is secret (a kubeconfig, a key): the output is a Secret and diffs are masked. Default false. */
  secret?: boolean | undefined;
  /** Refuse a file larger than this many bytes (at most 64 MiB). Default 1 MiB. */
  maxBytes?: number | undefined;
  /**
   * fail (default): a missing file fails the task (in check mode it is known after apply, as an
   * earlier task may create it); null: the output's content is null. Ansible: fail_on_missing.
   */
  missing?: 'fail' | 'null' | undefined;
  /** Also write the content on the controller at this absolute path, only when it differs. Ansible: dest with flat: true. */
  dest?: string | undefined;
  /** Mode of dest, an octal string ('0600'); default 0600 for secret content, else 0644. */
  destMode?: string | undefined;
}

const paramsSchema = z
  .object({
    path: absolutePath,
    secret: z.boolean().default(false),
    maxBytes: z.number().int().min(1).max(64 * 1024 * 1024).default(1024 * 1024),
    missing: z.enum(['fail', 'null']).default('fail'),
    dest: absolutePath.optional(),
    destMode: z.string().regex(/^0?[0-7]{3}$/, 'an octal mode such as 0600').optional(),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, FetchInput> = paramsSchema;

type Params = z.output<typeof params>;

export interface FetchFacts {
  remote: SecretFileState;
  /** sha256 of `dest` on the controller; null when absent or no dest. */
  local: string | null;
}

export interface FetchOutput {
  path: string;
  exists: boolean;
  /** The content (a Secret when `secret`); null when the file is missing and `missing: 'null'`. */
  content: string | Secret | null;
  sha256: string | null;
}

export type FetchChange =
  | Change<'fetch.write', { dest: string; content: Secret | string; mode: number }>
  /** The file is not there: in check mode its content is known after apply; a real run fails. */
  | Change<'fetch.missing', { path: string }>;

/**
 * A file read from a host as a typed value, to use on another host (a kubeconfig merged on the
 * other master) or to write on the controller. Read-only on the host; with `dest`, the controller's
 * copy is written only when it differs.
 */
export const fetch = defineModule({
  name: 'fetch',
  params,
  facts: (p) => ({ remote: secretFile({ path: p.path, maxBytes: p.maxBytes, secret: p.secret }) }),
  async gather(_ctx, p, facts): Promise<FetchFacts> {
    if (!p.dest) return { remote: facts.remote, local: null };
    const local = await readFile(p.dest).then(
      (bytes) => createHash('sha256').update(bytes).digest('hex'),
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw new MeshbookError('MODULE_FAILED', `fetch: reading ${p.dest} on the controller failed: ${error.message}`);
      },
    );
    return { remote: facts.remote, local };
  },
  plan(facts: FetchFacts, p): FetchChange[] {
    if (!facts.remote.exists && p.missing === 'fail') {
      return [{ kind: 'fetch.missing', target: p.path, summary: `read ${p.path} (known after apply: it does not exist yet)`, payload: { path: p.path } }];
    }
    checkRemote(facts.remote, p);
    const text = contentText(facts.remote);
    if (!p.dest || text === null) return [];
    if (facts.local === facts.remote.sha256) return [];
    const mode = parseInt(p.destMode ?? (p.secret ? '0600' : '0644'), 8);
    return [
      {
        kind: 'fetch.write',
        target: p.dest,
        summary: `${facts.local === null ? 'create' : 'update'} ${p.dest} from ${p.path} (sha256 ${facts.remote.sha256!.slice(0, 12)}…)`,
        before: facts.local === null ? null : `sha256 ${facts.local}`,
        after: `sha256 ${facts.remote.sha256}`,
        sensitive: p.secret,
        payload: { dest: p.dest, content: facts.remote.content ?? text, mode },
      },
    ];
  },
  async apply(ctx, changes) {
    for (const change of changes) {
      if (change.kind === 'fetch.missing') {
        throw new MeshbookError('MODULE_FAILED', `fetch: ${change.payload.path} does not exist on ${ctx.host}`, {
          host: ctx.host,
          hint: 'create it in an earlier task, or set missing: \'null\' to get content null',
        });
      }
      const { dest, content, mode } = change.payload;
      await mkdir(dirname(dest), { recursive: true });
      const tmp = `${dest}.meshbook-${process.pid}`;
      await writeFile(tmp, content instanceof Secret ? content.reveal() : content, { mode });
      await rename(tmp, dest);
    }
  },
  output(facts: FetchFacts, p): FetchOutput {
    const { remote } = facts;
    return { path: p.path, exists: remote.exists, content: remote.content, sha256: remote.sha256 };
  },
});

function checkRemote(remote: SecretFileState, p: Params): void {
  if (!remote.exists) return;
  if (remote.type !== 'file') throw new MeshbookError('MODULE_FAILED', `fetch: ${p.path} is not a regular file`);
  if (remote.tooLarge) throw new MeshbookError('MODULE_FAILED', `fetch: ${p.path} is larger than maxBytes (${p.maxBytes})`, { hint: 'raise maxBytes' });
}
