import { describe, expect, it } from 'vitest';
import { Secret } from '@meshbook/engine';
import { git, versionProblem } from './git.js';
import { gitEnv, parseGitFacts, resolveVersion } from './git-facts.js';
import type { GitFacts } from './git-facts.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const T = 'c'.repeat(40);
const TAG_OBJECT = 'd'.repeat(40);
const REPO = 'https://git.example.test/app.git';
const refs: Array<[string, string]> = [
  [B, 'HEAD'],
  [B, 'refs/heads/main'],
  [TAG_OBJECT, 'refs/tags/v1.0'],
  [T, 'refs/tags/v1.0^{}'],
  [A, 'refs/tags/light'],
];
const fresh: GitFacts = { dest: 'absent', head: null, url: null, modified: [], localCommit: null, remoteRefs: refs, remoteError: null };
const at = (head: string, over: Partial<GitFacts> = {}): GitFacts => ({ ...fresh, dest: 'repository', head, url: REPO, ...over });

describePlanFixtures(
  git,
  [
    {
      name: 'no checkout: clone the branch at its resolved commit',
      params: { repo: REPO, dest: '/srv/app', version: 'main' },
      facts: fresh,
      changes: [
        {
          kind: 'git.clone',
          target: '/srv/app',
          summary: `clone ${REPO} at branch main (bbbbbbbbbbbb) into /srv/app`,
          after: B,
          payload: { repo: REPO, dest: '/srv/app', version: { kind: 'branch', name: 'main', commit: B }, checkout: B, depth: null },
        },
      ],
    },
    { name: 'an empty directory is cloned into', params: { repo: REPO, dest: '/srv/app', depth: 1 }, facts: { ...fresh, dest: 'empty' }, changes: [{ kind: 'git.clone', target: '/srv/app', payload: { version: { kind: 'head', name: 'HEAD', commit: B }, depth: 1 } }] },
    { name: 'at the branch’s commit: nothing', params: { repo: REPO, dest: '/srv/app', version: 'main' }, facts: at(B), changes: [] },
    {
      name: 'behind the branch: update (fetch, then check out the planned commit)',
      params: { repo: REPO, dest: '/srv/app', version: 'main' },
      facts: at(A),
      changes: [{ kind: 'git.update', target: '/srv/app', summary: 'update aaaaaaaaaaaa → branch main (bbbbbbbbbbbb)', before: A, after: B, payload: { checkout: B, fetch: true } }],
    },
    { name: 'an annotated tag resolves to its commit, not the tag object', params: { repo: REPO, dest: '/srv/app', version: 'v1.0' }, facts: at(T), changes: [] },
    {
      name: 'a lightweight tag',
      params: { repo: REPO, dest: '/srv/app', version: 'light' },
      facts: at(B),
      changes: [{ kind: 'git.update', target: '/srv/app', payload: { version: { kind: 'tag', name: 'light', commit: A } } }],
    },
    { name: 'a full commit id already checked out: nothing (the remote is not read)', params: { repo: REPO, dest: '/srv/app', version: A }, facts: at(A, { remoteRefs: null }), changes: [] },
    {
      name: 'a short commit id known locally: checked out without a fetch',
      params: { repo: REPO, dest: '/srv/app', version: 'aaaaaaa' },
      facts: at(B, { localCommit: A }),
      changes: [{ kind: 'git.update', target: '/srv/app', summary: 'update bbbbbbbbbbbb → commit aaaaaaaaaaaa', payload: { checkout: A, fetch: false } }],
    },
    {
      name: 'a short commit id not known yet: fetched, then checked out by that id',
      params: { repo: REPO, dest: '/srv/app', version: 'eeeeeee' },
      facts: at(B),
      changes: [{ kind: 'git.update', target: '/srv/app', summary: 'update bbbbbbbbbbbb → commit eeeeeee', after: 'eeeeeee', payload: { checkout: 'eeeeeee', fetch: true } }],
    },
    {
      name: 'HEAD moved on the remote: update to its commit',
      params: { repo: REPO, dest: '/srv/app' },
      facts: at(A),
      changes: [{ kind: 'git.update', target: '/srv/app', summary: 'update aaaaaaaaaaaa → HEAD (bbbbbbbbbbbb)', payload: { version: { kind: 'head', name: 'HEAD', commit: B }, fetch: true } }],
    },
    { name: 'update false: an existing checkout is left as it is', params: { repo: REPO, dest: '/srv/app', version: 'main', update: false }, facts: at(A, { remoteRefs: null }), changes: [] },
    { name: 'update false still clones a missing checkout', params: { repo: REPO, dest: '/srv/app', update: false }, facts: fresh, changes: [{ kind: 'git.clone', target: '/srv/app' }] },
    {
      name: 'another origin URL: re-pointed',
      params: { repo: REPO, dest: '/srv/app', version: 'main' },
      facts: at(B, { url: 'https://old.example.test/app.git' }),
      changes: [{ kind: 'git.remote', target: '/srv/app', summary: `origin: https://old.example.test/app.git → ${REPO}`, payload: { dest: '/srv/app', url: REPO } }],
    },
    {
      name: 'force with local modifications at the right commit: reset',
      params: { repo: REPO, dest: '/srv/app', version: 'main', force: true },
      facts: at(B, { modified: [' M README'] }),
      changes: [{ kind: 'git.reset', target: '/srv/app', summary: 'discard local modifications (1 files)' }],
    },
    {
      name: 'force with local modifications, behind: the update discards them',
      params: { repo: REPO, dest: '/srv/app', version: 'main', force: true },
      facts: at(A, { modified: [' M README'] }),
      changes: [{ kind: 'git.update', target: '/srv/app', summary: 'update aaaaaaaaaaaa → branch main (bbbbbbbbbbbb), discarding local modifications' }],
    },
  ],
  [
    { name: 'a repo that is an option', params: { repo: '--upload-pack=touch /tmp/pwned', dest: '/srv/app' }, error: /git\.repo/ },
    { name: 'a remote helper', params: { repo: 'ext::sh -c touch% /tmp/pwned', dest: '/srv/app' }, error: /git\.repo/ },
    { name: 'a remote helper without blanks', params: { repo: 'ext::sh', dest: '/srv/app' }, error: /git\.repo/ },
    { name: 'a repo with a newline', params: { repo: 'https://x.test/a.git\n--upload-pack=id', dest: '/srv/app' }, error: /git\.repo/ },
    { name: 'a relative repo path', params: { repo: 'repo.git', dest: '/srv/app' }, error: /git\.repo/ },
    { name: 'a version with a shell command', params: { repo: REPO, dest: '/srv/app', version: 'main;touch /tmp/pwned' }, error: /git\.version/ },
    { name: 'a version that is an option', params: { repo: REPO, dest: '/srv/app', version: '--orphan=x' }, error: /git\.version/ },
    { name: 'a version with ..', params: { repo: REPO, dest: '/srv/app', version: 'a..b' }, error: /git\.version/ },
    { name: 'a relative dest', params: { repo: REPO, dest: 'app' }, error: /git\.dest/ },
    { name: 'a relative key_file', params: { repo: 'git@git.example.test:app.git', dest: '/srv/app', key_file: 'id_ed25519' }, error: /git\.key_file/ },
    { name: 'depth with a commit id', params: { repo: REPO, dest: '/srv/app', version: A, depth: 1 }, error: /git\.depth/ },
  ],
);

describe('git with a token in the repo', () => {
  const TOKEN_URL = 'https://deploy:glpat-t0ken@git.example.test/app.git';
  const plan = (facts: GitFacts, params: unknown) => git.definition.plan(facts, git.parse(params));
  it('a password in a URL is shown as ***, in summaries and in git’s errors', () => {
    expect(plan(fresh, { repo: TOKEN_URL, dest: '/srv/app', version: 'main' })[0]!.summary).toBe('clone https://deploy:***@git.example.test/app.git at branch main (bbbbbbbbbbbb) into /srv/app');
    const moved = plan(at(B, { url: 'https://deploy:old-t0ken@git.example.test/app.git' }), { repo: TOKEN_URL, dest: '/srv/app', version: 'main' })[0]!;
    expect([moved.before, moved.after]).toEqual(['https://deploy:***@git.example.test/app.git', 'https://deploy:***@git.example.test/app.git']);
    expect(() => plan({ ...fresh, remoteError: `fatal: unable to access '${TOKEN_URL}/': 403` }, { repo: TOKEN_URL, dest: '/srv/app' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('glpat-t0ken') }),
    );
  });
  it('a Secret repo is never shown; payloads keep it a Secret; the same origin is no change', () => {
    const repo = new Secret(TOKEN_URL);
    const [clone] = plan(fresh, { repo, dest: '/srv/app', version: 'main' });
    expect(clone!.summary).toBe('clone *** at branch main (bbbbbbbbbbbb) into /srv/app');
    expect((clone!.payload as { repo: unknown }).repo).toBe(repo);
    expect(plan(at(B, { url: TOKEN_URL }), { repo, dest: '/srv/app', version: 'main' })).toEqual([]);
    expect(() => git.parse({ repo: new Secret('--upload-pack=x'), dest: '/srv/app' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('upload-pack') }));
  });
});

describe('git refusals in plan', () => {
  const plan = (facts: GitFacts, params: unknown) => git.definition.plan(facts, git.parse(params));
  it('local modifications without force name the files', () => {
    expect(() => plan(at(A, { modified: [' M README', 'M  src/x.ts'] }), { repo: REPO, dest: '/srv/app', version: 'main' })).toThrow(/\/srv\/app has local modifications \(README, src\/x\.ts\)/);
  });
  it('a version the remote does not have', () => {
    expect(() => plan(fresh, { repo: REPO, dest: '/srv/app', version: 'nope' })).toThrow(/has no branch or tag "nope"/);
  });
  it('an unreadable remote, with git’s words', () => {
    expect(() => plan({ ...fresh, remoteError: "fatal: repository '/x' does not exist\n" }, { repo: REPO, dest: '/srv/app' })).toThrow(/cannot read .*: fatal: repository '\/x' does not exist$/);
  });
  it('something else at dest', () => {
    expect(() => plan({ ...fresh, dest: 'occupied' }, { repo: REPO, dest: '/srv/app' })).toThrow(/exists and is not a git checkout/);
  });
});

describe('git facts and versions', () => {
  it('parses the checkout and the refs', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(parseGitFacts(`repository\nhead ${A}\nurl ${b64(REPO)}\nmodified ${b64(' M a b')}\nref ${B}\trefs/heads/main\nrefs-end\n`, '/d')).toEqual({
      dest: 'repository',
      head: A,
      url: REPO,
      modified: [' M a b'],
      localCommit: null,
      remoteRefs: [[B, 'refs/heads/main']],
      remoteError: null,
    });
    expect(() => parseGitFacts('nogit\n', '/d')).toThrow(/git is not installed/);
  });
  it('a branch wins over a tag of the same name; full ref names pick one', () => {
    const both: Array<[string, string]> = [[A, 'refs/heads/x'], [B, 'refs/tags/x']];
    expect(resolveVersion('x', both, null)).toEqual({ kind: 'branch', name: 'x', commit: A });
    expect(resolveVersion('refs/tags/x', both, null)).toEqual({ kind: 'tag', name: 'x', commit: B });
  });
  it('a key_file reaches ssh quoted for the shell git runs it with', () => {
    expect(gitEnv(`/root/k's key`).GIT_SSH_COMMAND).toBe(`ssh -o BatchMode=yes -o IdentitiesOnly=yes -i '/root/k'\\''s key'`);
    expect(gitEnv(undefined)).toEqual({ GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: 'ssh -o BatchMode=yes' });
  });
  it.each(['main', 'release/1.2', 'v1.0.0', 'HEAD', 'abc1234', 'feature-x_y'])('%s is a version', (v) => expect(versionProblem(v)).toBeNull());
  it.each(['-x', '/a', 'a/', 'a.lock', 'a b', 'a~1', 'a^', 'a:b', 'a..b', 'a@{1}', '.hidden', 'a//b'])('%j is refused', (v) => expect(versionProblem(v)).not.toBeNull());
});
