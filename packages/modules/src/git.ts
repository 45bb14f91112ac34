import { z } from 'zod';
import { MASK, MeshbookError, Secret, defineModule, registerSecretText, sh } from '@meshbook/engine';
import type { Change, ModuleContext, ShellCommand } from '@meshbook/engine';
import { FULL_COMMIT, SHORT_COMMIT, gitCheckout, gitEnv, resolveVersion } from './git-facts.js';
import type { GitFacts, ResolvedVersion } from './git-facts.js';
import type { DocumentedParams } from './lib/documented-params.js';

/**
 * Where git may fetch from: http(s)://, ssh://, git://, file:// URLs, scp-like `user@host:path`, or
 * an absolute path. Nothing starting with `-` (an option to git), and no `transport::address`
 * (remote helpers such as ext:: run commands).
 */
const repoText = z
  .string()
  .regex(/^[^\0-\x1f\x7f]+$/, 'a repository address without control characters')
  .refine(
    (r) => /^(https?|ssh|git|file):\/\/[^/\s]\S*$/.test(r) || /^(file:\/\/)?\/.*$/.test(r) || /^([A-Za-z0-9._-]+@)?[A-Za-z0-9][A-Za-z0-9.-]*:(?!:)\S+$/.test(r),
    'an https://, ssh://, git:// or file:// URL, user@host:path, or an absolute path',
  )
  .refine((r) => !/^[A-Za-z][A-Za-z0-9+.-]*::/.test(r), 'no transport::address (git remote helpers run commands)');

/** `https://user:password@host/...`: the password part. */
const URL_PASSWORD = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:\s]*):([^/@\s]+)@/;

/**
 * The repo as text or as a Secret (a URL holding a token, from a vault). A password written in a
 * plain URL is registered as secret text, so the engine scrubs it from every output.
 */
const repoSource = z.union([z.instanceof(Secret), z.string()]).superRefine((value, ctx) => {
  const text = value instanceof Secret ? value.reveal() : value;
  const checked = repoText.safeParse(text);
  // The messages name the rule, never the value: it may be a Secret.
  for (const issue of checked.error?.issues ?? []) ctx.addIssue({ code: 'custom', message: issue.message });
  const password = URL_PASSWORD.exec(text)?.[2];
  if (password) registerSecretText(password);
});

const revealed = (repo: string | Secret) => (repo instanceof Secret ? repo.reveal() : repo);

/** Text that may hold the repo, made fit to show: a Secret repo as ***, a URL's password as ***. */
export function redactRepo(text: string, repo: string | Secret): string {
  let out = repo instanceof Secret ? text.split(repo.reveal()).join(MASK) : text;
  const password = URL_PASSWORD.exec(revealed(repo))?.[2];
  if (password) out = out.split(password).join(MASK);
  // Any other URL's password too (the checkout's old origin).
  return out.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]+@/g, `$1:${MASK}@`);
}

/** A local path; spaces and quotes are fine (always quoted), newlines are not. */
const absolutePathOnHost = z.string().regex(/^\/[^\n\0]*$/, 'an absolute path');

/** git check-ref-format's rules, plus HEAD and commit ids. */
export function versionProblem(v: string): string | null {
  if (v === 'HEAD' || SHORT_COMMIT.test(v)) return null;
  if (v.length > 255) return 'at most 255 characters';
  if (v.startsWith('-') || v.startsWith('/') || v.endsWith('/') || v.endsWith('.') || v.endsWith('.lock')) return 'a branch, tag or commit id (no leading - or /, no trailing /, . or .lock)';
  if (/[\0-\x20\x7f~^:?*[\\]/.test(v)) return 'a branch, tag or commit id (no blanks, control characters or ~ ^ : ? * [ \\)';
  if (v.includes('..') || v.includes('@{') || v.includes('//') || v === '@' || /(^|\/)\./.test(v)) return 'a branch, tag or commit id (no .., @{, // or a component starting with .)';
  return null;
}

/** The git task's params as written (an interface, so editors show each field's documentation). */
export interface GitInput {
  /**
   * The repository: an https://, ssh://, git:// or file:// URL, user@host:path, or an absolute path
   * on the host; a Secret when it holds a token (a password in a plain URL is masked too). Ansible: repo.
   */
  repo: string | Secret;
  /** Where the checkout lives on the host, an absolute path below /. Ansible: dest. */
  dest: string;
  /** A branch, a tag, a commit id, or HEAD (the remote's default branch, the default). Ansible: version. */
  version?: string | undefined;
  /** Discard local modifications of tracked files (without it they are an error, as in Ansible). Default false. Ansible: force. */
  force?: boolean | undefined;
  /** A shallow clone (and fetches) with this many commits; not with a commit id as version. Ansible: depth. */
  depth?: number | undefined;
  /** Bring an existing checkout to the version; false only clones when dest has no checkout. Default true. Ansible: update. */
  update?: boolean | undefined;
  /** A private key on the host for an ssh repo, used alone (IdentitiesOnly); the server's host key must be in known_hosts. Ansible: key_file. */
  key_file?: string | undefined;
}

const paramsSchema = z
  .strictObject({
    repo: repoSource,
    dest: absolutePathOnHost.refine((d) => d !== '/', 'a directory below /'),
    version: z
      .string()
      .default('HEAD')
      .superRefine((v, ctx) => {
        const problem = versionProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    force: z.boolean().default(false),
    depth: z.number().int().min(1).optional(),
    update: z.boolean().default(true),
    key_file: absolutePathOnHost.optional(),
  })
  .refine((p) => p.depth === undefined || !SHORT_COMMIT.test(p.version) || p.version === 'HEAD', {
    message: 'depth needs a branch, tag or HEAD: a commit id cannot be fetched shallowly from every server',
    path: ['depth'],
  });
const params: DocumentedParams<typeof paramsSchema, GitInput> = paramsSchema;

export type GitParams = z.output<typeof params>;

interface Target {
  dest: string;
  version: ResolvedVersion;
  /** What is checked out: the planned commit, or the version itself when only the fetch can resolve it. */
  checkout: string;
  depth: number | null;
}

export type GitChange =
  | Change<'git.clone', Target & { repo: string | Secret }>
  | Change<'git.remote', { dest: string; url: string | Secret }>
  /** Fetch (unless the commit is already there) and check out the target. */
  | Change<'git.update', Target & { fetch: boolean }>
  /** Discard local modifications (force), the commit staying. */
  | Change<'git.reset', { dest: string }>;

export interface GitOutput {
  /** The commit before; null when cloned. */
  before: string | null;
  after: string | null;
}

const shortSha = (c: string | null) => (c ? c.slice(0, 12) : 'unknown');

/**
 * A git checkout at `dest`, at a branch, tag or commit of `repo`. Idempotent by commit: the version
 * is resolved on the remote (`git ls-remote`) and compared with the checkout's HEAD; check mode says
 * what would be cloned or updated to which commit and writes nothing.
 *
 * Differences from Ansible (README, "Differences from Ansible"):
 * - ssh runs in batch mode and checks host keys (no accept_hostkey, no ssh_opts): add the host to
 *   known_hosts first; key_file is used alone (IdentitiesOnly).
 * - repo is checked (no options, no remote helpers such as ext::); version by git's ref rules.
 * - depth with a commit id is refused; submodules, bare, archive, refspec, gpg checks and
 *   other remotes than origin are not offered.
 * - a changed repo URL updates origin's URL (as Ansible) and is shown as its own change.
 * - repo may be a Secret, and a password in a URL is shown as ***; git still keeps the URL in the
 *   checkout's .git/config, as with Ansible: prefer key_file or a credential helper.
 */
export const git = defineModule({
  name: 'git',
  params,
  facts: (p) => gitCheckout({ repo: revealed(p.repo), dest: p.dest, version: p.version, lsRemote: !FULL_COMMIT.test(p.version), update: p.update, keyFile: p.key_file }),
  plan: (facts, p): GitChange[] => planGit(facts, p),
  async apply(ctx, changes, p): Promise<GitOutput> {
    const runGit = (command: ShellCommand) => ctx.exec(command, { env: gitEnv(p.key_file) });
    let before: string | null = null;
    let dest = '';
    for (const change of changes) {
      switch (change.kind) {
        case 'git.clone': {
          const { repo, version, depth } = change.payload;
          dest = change.payload.dest;
          const branch = version.kind === 'branch' || version.kind === 'tag' ? ['--branch', version.name] : [];
          await runGit(sh`git clone -q ${depth ? ['--depth', String(depth)] : []} ${branch} -- ${repo} ${dest}`);
          await checkout(runGit, change.payload);
          break;
        }
        case 'git.remote':
          dest = change.payload.dest;
          await runGit(sh`git -C ${dest} remote set-url origin ${change.payload.url}`);
          break;
        case 'git.update': {
          const target = change.payload;
          dest = target.dest;
          before = (await ctx.exec(sh`git -C ${dest} rev-parse --verify -q HEAD || true`)).stdout.trim() || null;
          if (target.fetch) await fetchTarget(ctx, runGit, target);
          await checkout(runGit, target);
          break;
        }
        case 'git.reset':
          dest = change.payload.dest;
          await runGit(sh`git -C ${dest} reset -q --hard HEAD`);
          break;
      }
    }
    const after = (await ctx.exec(sh`git -C ${dest} rev-parse HEAD`)).stdout.trim();
    return { before, after };
  },
  output: (facts): GitOutput => ({ before: facts.head, after: facts.head }),
});

type RunGit = (command: ShellCommand) => Promise<unknown>;

async function fetchTarget(ctx: ModuleContext, runGit: RunGit, t: Target): Promise<void> {
  const depth = t.depth ? ['--depth', String(t.depth)] : [];
  const { dest, version } = t;
  if (version.kind === 'branch') await runGit(sh`git -C ${dest} fetch -q ${depth} origin -- ${`+refs/heads/${version.name}:refs/remotes/origin/${version.name}`}`);
  else if (version.kind === 'tag') await runGit(sh`git -C ${dest} fetch -q ${depth} origin -- ${`+refs/tags/${version.name}:refs/tags/${version.name}`}`);
  else if (version.kind === 'head') await runGit(sh`git -C ${dest} fetch -q ${depth} origin`);
  else {
    // A commit: the branches first; a commit on no branch only where the server allows asking for it.
    await runGit(sh`git -C ${dest} fetch -q origin`);
    const known = await ctx.run(sh`git -C ${dest} rev-parse --verify -q ${`${t.checkout}^{commit}`}`);
    if (known.exitCode !== 0) await runGit(sh`git -C ${dest} fetch -q origin -- ${t.checkout}`);
  }
}

/** Puts dest at the target: a branch reset to the planned commit, a tag or commit detached, HEAD on the current branch. */
async function checkout(runGit: RunGit, t: Target): Promise<void> {
  const { dest, version } = t;
  if (version.kind === 'branch') await runGit(sh`git -C ${dest} checkout -q --force -B ${version.name} ${t.checkout} --`);
  else if (version.kind === 'head') await runGit(sh`git -C ${dest} reset -q --hard ${t.checkout} --`);
  else await runGit(sh`git -C ${dest} checkout -q --force --detach ${t.checkout} --`);
}

export function planGit(facts: GitFacts, p: GitParams): GitChange[] {
  const show = (text: string) => redactRepo(text, p.repo);
  const exists = facts.dest === 'repository';
  if (facts.dest === 'occupied') throw new MeshbookError('MODULE_FAILED', `${p.dest} exists and is not a git checkout`, { hint: 'remove it, or choose another git.dest' });
  if (exists && !p.update) return [];
  if (exists && facts.modified.length > 0 && !p.force) {
    throw new MeshbookError('MODULE_FAILED', `${p.dest} has local modifications (${facts.modified.map((m) => m.slice(3)).join(', ')})`, { hint: 'commit or discard them, or set force: true to discard them' });
  }
  const version = resolve(facts, p);
  const depth = p.depth ?? null;
  const checkout = version.commit ?? p.version;
  if (!exists) {
    return [
      {
        kind: 'git.clone',
        target: p.dest,
        summary: show(`clone ${revealed(p.repo)} at ${describeVersion(version)} into ${p.dest}`),
        before: null,
        after: version.commit ?? p.version,
        payload: { repo: p.repo, dest: p.dest, version, checkout, depth },
      },
    ];
  }
  const changes: GitChange[] = [];
  if (facts.url !== revealed(p.repo)) {
    const before = facts.url === null ? null : show(facts.url);
    const after = show(revealed(p.repo));
    changes.push({ kind: 'git.remote', target: p.dest, summary: `origin: ${before ?? '(none)'} → ${after}`, before, after, payload: { dest: p.dest, url: p.repo } });
  }
  if (version.commit === null || version.commit !== facts.head) {
    changes.push({
      kind: 'git.update',
      target: p.dest,
      summary: `update ${shortSha(facts.head)} → ${describeVersion(version)}${facts.modified.length ? ', discarding local modifications' : ''}`,
      before: facts.head,
      after: version.commit ?? p.version,
      payload: { dest: p.dest, version, checkout, depth, fetch: version.kind !== 'commit' || facts.localCommit === null },
    });
  } else if (facts.modified.length > 0) {
    changes.push({ kind: 'git.reset', target: p.dest, summary: `discard local modifications (${facts.modified.length} files)`, before: 'modified', after: facts.head, payload: { dest: p.dest } });
  }
  return changes;
}

function resolve(facts: GitFacts, p: GitParams): ResolvedVersion {
  if (facts.remoteError !== null) {
    throw new MeshbookError('MODULE_FAILED', redactRepo(`cannot read ${revealed(p.repo)}: ${facts.remoteError.trim()}`, p.repo), { hint: 'check git.repo, the network, and for ssh the host key in known_hosts and the key' });
  }
  const resolved = resolveVersion(p.version, facts.remoteRefs ?? [], facts.localCommit);
  if (!resolved) throw new MeshbookError('MODULE_FAILED', redactRepo(`${revealed(p.repo)} has no branch or tag ${JSON.stringify(p.version)}`, p.repo), { hint: 'fix git.version: a branch, a tag, a commit id, or HEAD' });
  return resolved;
}

function describeVersion(v: ResolvedVersion): string {
  const commit = v.commit ? shortSha(v.commit) : null;
  if (v.kind === 'commit') return `commit ${commit ?? v.name}`;
  return `${v.kind === 'head' ? 'HEAD' : `${v.kind} ${v.name}`} (${commit})`;
}
