import { MeshbookError, defineFact, quote, sh } from '@meshbook/engine';
import { decodeBase64Line, keyValueLines } from './lib/fact-lines.js';

/** What the git module reads on a host, in one command: the checkout at dest and the remote's refs for the version. */
export interface GitFacts {
  dest: 'absent' | 'empty' | 'occupied' | 'repository';
  /** The checked-out commit; null in a repository without one. */
  head: string | null;
  /** remote.origin.url of the checkout. */
  url: string | null;
  /** Tracked files with local modifications (git status --porcelain), at most 20. */
  modified: string[];
  /** The version resolved as a commit in the local repository (for a commit version), else null. */
  localCommit: string | null;
  /** The remote's refs matching the version ([sha, ref name]); null when not asked. */
  remoteRefs: Array<[string, string]> | null;
  /** Why the remote could not be read. */
  remoteError: string | null;
}

export interface GitFactArgs {
  repo: string;
  dest: string;
  version: string;
  /** Read the remote's refs (not needed for a full commit id). */
  lsRemote: boolean;
  /** The checkout will be updated: the remote is read even when dest is a repository. */
  update: boolean;
  /** A private key on the host for ssh remotes. */
  keyFile: string | undefined;
}

/**
 * Environment for every git command: never prompt (no terminal), ssh in batch mode (host keys
 * checked, never accepted), with the given private key (a path on the host) only. git runs
 * GIT_SSH_COMMAND through a shell: the path is quoted for it.
 */
export function gitEnv(keyFile: string | undefined): Record<string, string> {
  return { GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: `ssh -o BatchMode=yes${keyFile ? ` -o IdentitiesOnly=yes -i ${quote(keyFile)}` : ''}` };
}

// Trusted script; repo, dest and version come in quoted. `git -C "$d"` never takes dest as an option.
const SCRIPT = `
command -v git >/dev/null 2>&1 || { echo nogit; exit 0; }
export GIT_TERMINAL_PROMPT=0 GIT_SSH_COMMAND="$gs"
if [ -d "$d/.git" ]; then
  if ! e=$(git -C "$d" rev-parse --git-dir 2>&1); then printf 'error '; printf '%s' "$e" | base64 -w0; echo; exit 0; fi
  echo repository
  printf 'head %s\\n' "$(git -C "$d" rev-parse --verify -q HEAD)"
  printf 'url '; git -C "$d" config --get remote.origin.url | base64 -w0; echo
  git -C "$d" status --porcelain --untracked-files=no | head -n 20 | while IFS= read -r l; do printf 'modified '; printf '%s' "$l" | base64 -w0; echo; done
  if [ "$c" = 1 ]; then printf 'local %s\\n' "$(git -C "$d" rev-parse --verify -q "$v^{commit}")"; fi
elif [ -d "$d" ] && [ -z "$(ls -A -- "$d")" ]; then echo empty
elif [ -e "$d" ]; then echo occupied
else echo absent; fi
if [ "$lr" = 1 ] && { [ "$u" = 1 ] || [ ! -d "$d/.git" ]; }; then
  if o=$(git ls-remote -- "$r" "$v" "$v^{}" 2>&1); then printf '%s\\n' "$o" | grep -E '^[0-9a-f]{40}[[:space:]]' | sed 's/^/ref /'; echo refs-end
  else printf 'remote-error '; printf '%s' "$o" | base64 -w0; echo; fi
fi`;

export const FULL_COMMIT = /^[0-9a-f]{40}$/;
export const SHORT_COMMIT = /^[0-9a-f]{7,40}$/;

export const gitCheckout = defineFact<GitFactArgs, GitFacts>({
  name: 'git.checkout',
  command: (a) =>
    sh`r=${a.repo}; d=${a.dest}; v=${a.version}; c=${SHORT_COMMIT.test(a.version) ? 1 : 0}; lr=${a.lsRemote ? 1 : 0}; u=${a.update ? 1 : 0}; gs=${gitEnv(a.keyFile).GIT_SSH_COMMAND!};${sh.raw(SCRIPT)}`,
  parse: (result, a) => {
    if (result.exitCode !== 0) throw new MeshbookError('COMMAND_FAILED', `reading the checkout at ${a.dest} failed`, { exitCode: result.exitCode, stderr: result.stderr });
    return parseGitFacts(result.stdout, a.dest);
  },
});

export function parseGitFacts(stdout: string, dest: string): GitFacts {
  const facts: GitFacts = { dest: 'absent', head: null, url: null, modified: [], localCommit: null, remoteRefs: null, remoteError: null };
  for (const [key, value] of keyValueLines(stdout)) {
    switch (key) {
      case 'nogit':
        throw new MeshbookError('MODULE_FAILED', 'git is not installed', { hint: 'install it first (apt: git)' });
      case 'error':
        throw new MeshbookError('MODULE_FAILED', `${dest} is not a usable git repository: ${decodeBase64Line(value)}`, { hint: 'fix or remove it (a repository owned by another user needs safe.directory)' });
      case 'repository':
      case 'empty':
      case 'occupied':
      case 'absent':
        facts.dest = key;
        break;
      case 'head':
        facts.head = FULL_COMMIT.test(value.trim()) ? value.trim() : null;
        break;
      case 'url':
        facts.url = decodeBase64Line(value) || null;
        break;
      case 'modified':
        facts.modified.push(decodeBase64Line(value));
        break;
      case 'local':
        facts.localCommit = FULL_COMMIT.test(value.trim()) ? value.trim() : null;
        break;
      case 'ref': {
        const [sha = '', name = ''] = value.split('\t');
        (facts.remoteRefs ??= []).push([sha, name]);
        break;
      }
      case 'refs-end':
        facts.remoteRefs ??= [];
        break;
      case 'remote-error':
        facts.remoteError = decodeBase64Line(value);
        break;
    }
  }
  return facts;
}

/** What a version names on the remote. `commit` null: a commit id not known yet (fetched on apply). */
export interface ResolvedVersion {
  kind: 'head' | 'branch' | 'tag' | 'commit';
  /** The branch or tag name (the version as given). */
  name: string;
  commit: string | null;
}

/** Resolves a version as Ansible does: HEAD, else a branch, else a tag (peeled), else a commit id. */
export function resolveVersion(version: string, refs: ReadonlyArray<[string, string]>, localCommit: string | null): ResolvedVersion | null {
  const find = (ref: string) => refs.find(([, name]) => name === ref)?.[0] ?? null;
  if (version === 'HEAD') {
    const head = find('HEAD');
    return head ? { kind: 'head', name: version, commit: head } : null;
  }
  const short = version.replace(/^refs\/(heads|tags)\//, '');
  const branch = version.startsWith('refs/tags/') ? null : find(`refs/heads/${short}`);
  if (branch) return { kind: 'branch', name: short, commit: branch };
  const tag = version.startsWith('refs/heads/') ? null : (find(`refs/tags/${short}^{}`) ?? find(`refs/tags/${short}`));
  if (tag) return { kind: 'tag', name: short, commit: tag };
  if (SHORT_COMMIT.test(version)) return { kind: 'commit', name: version, commit: FULL_COMMIT.test(version) ? version : localCommit };
  return null;
}
