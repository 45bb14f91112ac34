import { z } from 'zod';
import type { DocumentedParams } from '../lib/documented-params.js';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { helmFailure, runHelm } from './helm-cli.js';

export interface HelmRepo {
  name: string;
  url: string;
}

/** `helm repo list -o json`; helm exits 1 with "no repositories to show" when there are none. */
export const helmRepoList = defineFact<null, HelmRepo[]>({
  name: 'helm.repo_list',
  command: () => sh`helm repo list -o json`,
  parse: (result) => parseRepoList(result.exitCode, result.stdout, result.stderr),
});

export function parseRepoList(exitCode: number, stdout: string, stderr: string): HelmRepo[] {
  if (exitCode !== 0) {
    if (/no repositories to show/.test(stderr)) return [];
    throw helmFailure('', 'helm repo list', sh`helm repo list -o json`, { exitCode, stdout, stderr });
  }
  const parsed = JSON.parse(stdout || '[]') as Array<{ name: string; url: string }>;
  return parsed.map((r) => ({ name: r.name, url: r.url }));
}

/**
 * Where helm keeps repository indexes, as `helm env HELM_REPOSITORY_CACHE` prints it (helmpath's
 * rules: HELM_REPOSITORY_CACHE, else HELM_CACHE_HOME/repository, else $XDG_CACHE_HOME or
 * ~/.cache, then helm/repository), expanded by the shell: starting helm (a Go binary) only to learn
 * a path cost as much as a `helm list` in a play's checks.
 */
export const HELM_REPOSITORY_CACHE_DIR = '${HELM_REPOSITORY_CACHE:-${HELM_CACHE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/helm}/repository}';

/** Seconds since the repository's index was downloaded; null when there is no index. */
const indexAge = defineFact<string, number | null>({
  name: 'helm.index_age',
  command: (name) => sh`c=${sh.raw(`"${HELM_REPOSITORY_CACHE_DIR}"`)} && echo "$(date +%s) $(stat -c %Y -- "$c"/${`${name}-index.yaml`} 2>/dev/null || echo none)"`,
  parse: (result) => {
    const [now, stamp] = result.stdout.trim().split(' ');
    return stamp === undefined || stamp === 'none' ? null : Math.max(0, Number(now) - Number(stamp));
  },
});

/** The helmRepository task's params as written (an interface, so editors show each field's documentation). */
export interface HelmRepositoryInput {
  /** The repository's local name, as `helm repo add NAME` takes it. */
  name: string;
  /** The repository's URL: http(s):// or oci://. */
  url: string;
  /** 'present' (default): added (re-added when the URL differs); 'absent': removed. */
  state?: 'present' | 'absent' | undefined;
  /** Refresh the index (helm repo update NAME) when it is older than cacheValidTime. Default false. */
  updateCache?: boolean | undefined;
  /** Seconds a refreshed index stays valid. Default 3600. */
  cacheValidTime?: number | undefined;
}

const paramsSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, "a repository name such as 'cilium' (letters, digits, . _ -)"),
    url: z.string().regex(/^(https?|oci):\/\/[^\s'"]+$/, 'an http(s) URL such as https://helm.cilium.io/'),
    state: z.enum(['present', 'absent']).default('present'),
    updateCache: z.boolean().default(false),
    cacheValidTime: z.number().int().min(0).default(3600),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, HelmRepositoryInput> = paramsSchema;

export interface HelmRepositoryFacts {
  repos: HelmRepo[];
  indexAge: number | null | undefined;
}

export type HelmRepositoryChange =
  | Change<'helmRepository.add', { name: string; url: string; replace: boolean }>
  | Change<'helmRepository.update', { name: string }>
  | Change<'helmRepository.remove', { name: string }>;

/** A chart repository of helm on the host: added (URL kept in sync), refreshed when its index is old, removed. */
export const helmRepository = defineModule({
  name: 'helmRepository',
  params,
  facts: (p) => ({ repos: helmRepoList(null), indexAge: p.updateCache && p.state === 'present' ? indexAge(p.name) : undefined }),
  plan(facts: HelmRepositoryFacts, p): HelmRepositoryChange[] {
    const current = facts.repos.find((r) => r.name === p.name);
    if (p.state === 'absent') {
      return current ? [{ kind: 'helmRepository.remove', target: p.name, summary: `remove helm repository ${p.name}`, before: current.url, after: null, payload: { name: p.name } }] : [];
    }
    if (!current) return [{ kind: 'helmRepository.add', target: p.name, summary: `add helm repository ${p.name} (${p.url})`, before: null, after: p.url, payload: { name: p.name, url: p.url, replace: false } }];
    if (current.url.replace(/\/$/, '') !== p.url.replace(/\/$/, '')) {
      return [{ kind: 'helmRepository.add', target: p.name, summary: `helm repository ${p.name}: ${current.url} → ${p.url}`, before: current.url, after: p.url, payload: { name: p.name, url: p.url, replace: true } }];
    }
    if (p.updateCache && (facts.indexAge === null || facts.indexAge === undefined || facts.indexAge >= p.cacheValidTime)) {
      const age = facts.indexAge == null ? 'no index yet' : `index ${facts.indexAge} s old`;
      return [{ kind: 'helmRepository.update', target: p.name, summary: `helm repo update ${p.name} (${age}; valid for ${p.cacheValidTime} s)`, payload: { name: p.name } }];
    }
    return [];
  },
  async apply(ctx, changes) {
    for (const change of changes) {
      const { name } = change.payload;
      switch (change.kind) {
        case 'helmRepository.add': {
          const { url, replace } = change.payload;
          // --force-update replaces a repository of that name with another URL (helm refuses otherwise).
          await runHelm(ctx, `adding helm repository ${name}`, sh`helm repo add ${replace ? ['--force-update'] : []} -- ${name} ${url}`);
          break;
        }
        case 'helmRepository.update':
          await runHelm(ctx, `updating helm repository ${name}`, sh`helm repo update -- ${name}`);
          break;
        case 'helmRepository.remove':
          await runHelm(ctx, `removing helm repository ${name}`, sh`helm repo remove -- ${name}`);
          break;
        default:
          throw new MeshbookError('INTERNAL', 'unknown helmRepository change');
      }
    }
  },
});
