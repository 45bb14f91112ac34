import { beforeAll, describe, expect, it } from 'vitest';
import { MeshbookError, Secret } from '@meshbook/engine';
import { authorizedKey, git } from '@meshbook/modules';
import { proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

// The host image has no git: Debian's is installed from the mirror (the only network this test
// uses). The remote is a bare repository on the same host: no network for git itself.
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const ORIGIN = '/srv/origin.git';
const APP = '/srv/app';
const CANARY = '/tmp/pwned';
/** A path component full of shell metacharacters: the repo and dest must be used literally. */
const HOSTILE = `o r'i$(touch ${CANARY})\`id\`;"g"`;

/** Commits in the work clone and pushes to origin; returns the new commit. */
async function commit(file: string, content: string, extra = ''): Promise<string> {
  return (
    await hosts.sh(
      H,
      `cd /root/work && printf '%s\\n' '${content}' > ${file} && git add ${file} && git -c user.name=t -c user.email=t@example.test commit -qm '${content}' && ${extra} git push -q origin main --tags && git rev-parse HEAD`,
    )
  ).trim();
}

const headOf = (dest: string) => hosts.sh(H, `git -C '${dest}' rev-parse HEAD; git -C '${dest}' status --porcelain; git -C '${dest}' symbolic-ref -q --short HEAD || echo detached`);

let first = '';
let tagged = '';

describe('git on a real host, against a bare repository on it', () => {
  beforeAll(async () => {
    await hosts.sh(H, 'command -v git >/dev/null || { apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends git >/dev/null; }');
    await hosts.sh(H, `git init -q --bare -b main ${ORIGIN} && git clone -q ${ORIGIN} /root/work 2>/dev/null`);
    first = await commit('README', 'one');
    tagged = await commit('README', 'two', "git -c user.name=t -c user.email=t@example.test tag -a v1 -m 'release 1' &&");
  }, 600_000);

  it('check mode on a fresh host says what would be cloned, at which commit, and writes nothing', async () => {
    const result = await proveCheckMode(git, t(), { repo: ORIGIN, dest: APP, version: 'main' }, () => hosts.sh(H, `ls -A /srv; test -e ${APP} && echo exists || echo none`));
    expect(result.changes.map((c) => c.summary)).toEqual([`clone ${ORIGIN} at branch main (${tagged.slice(0, 12)}) into ${APP}`]);
  });

  it('clones the branch, then nothing (same commit); gather is one round trip; the output names the commit', async () => {
    const { first: applied } = await proveIdempotent(git, t(), { repo: ORIGIN, dest: APP, version: 'main' }, async () => {
      expect(await headOf(APP)).toBe(`${tagged}\nmain\n`);
    });
    expect(applied.output).toEqual({ before: null, after: tagged });
    await proveOneRoundTrip(git, t(), { repo: ORIGIN, dest: APP, version: 'main' });
  });

  it('a new commit upstream: check mode reports the update and leaves the checkout; apply moves it; then nothing', async () => {
    const next = await commit('README', 'three');
    const result = await proveCheckMode(git, t(), { repo: ORIGIN, dest: APP, version: 'main' }, () => headOf(APP));
    expect(result.changes.map((c) => c.summary)).toEqual([`update ${tagged.slice(0, 12)} → branch main (${next.slice(0, 12)})`]);
    await proveIdempotent(git, t(), { repo: ORIGIN, dest: APP, version: 'main' }, async (applied) => {
      expect(await headOf(APP)).toBe(`${next}\nmain\n`);
      expect(applied.output).toEqual({ before: tagged, after: next });
    });
  });

  it('update false leaves an existing checkout behind', async () => {
    const before = await headOf(APP);
    await commit('README', 'four');
    const result = await git.run(t(), { repo: ORIGIN, dest: APP, version: 'main', update: false });
    expect(result.changed).toBe(false);
    expect(await headOf(APP)).toBe(before);
  });

  it('an annotated tag checks out its commit (detached); a short commit id too', async () => {
    await proveIdempotent(git, t(), { repo: ORIGIN, dest: APP, version: 'v1' }, async () => {
      expect(await headOf(APP)).toBe(`${tagged}\ndetached\n`);
    });
    await proveIdempotent(git, t(), { repo: ORIGIN, dest: APP, version: first.slice(0, 10) }, async () => {
      expect(await headOf(APP)).toBe(`${first}\ndetached\n`);
    });
  });

  it('local modifications: refused without force, discarded with it', async () => {
    await hosts.sh(H, `echo local >> ${APP}/README`);
    const refused = await git.run(t(), { repo: ORIGIN, dest: APP, version: 'main' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MeshbookError);
    expect((refused as MeshbookError).message).toContain(`${APP} has local modifications (README)`);
    expect(await hosts.sh(H, `git -C ${APP} status --porcelain`)).toBe(' M README\n');
    const tip = (await hosts.sh(H, 'git -C /root/work rev-parse HEAD')).trim();
    await proveIdempotent(git, t(), { repo: ORIGIN, dest: APP, version: 'main', force: true }, async () => {
      expect(await headOf(APP)).toBe(`${tip}\nmain\n`);
    });
  });

  it('a shallow clone over file:// with depth 1', async () => {
    await proveIdempotent(git, t(), { repo: `file://${ORIGIN}`, dest: '/srv/shallow', depth: 1 }, async () => {
      expect(await hosts.sh(H, 'git -C /srv/shallow rev-parse --is-shallow-repository; git -C /srv/shallow rev-list --count HEAD')).toBe('true\n1\n');
    });
  });

  it('a repository path and a dest full of shell metacharacters are used literally, and nothing runs', async () => {
    const repo = `/srv/${HOSTILE}.git`;
    const dest = `/srv/${HOSTILE}`;
    const made = await hosts.fleet().exec(H, ['git', 'clone', '-q', '--bare', ORIGIN, repo]);
    expect(made.exitCode, made.stderr).toBe(0);
    await proveIdempotent(git, t(), { repo, dest, version: 'v1' }, async () => {
      const head = await hosts.fleet().exec(H, ['git', '-C', dest, 'rev-parse', 'HEAD']);
      expect(head.stdout).toBe(`${tagged}\n`);
    });
    expect(await hosts.sh(H, `find / -xdev -name pwned 2>/dev/null | head -1; test -e ${CANARY} && echo pwned || echo clean`)).toBe('clean\n');
  });

  it('over ssh with key_file: an unknown host key is refused (batch mode, nothing accepted), a known one clones', async () => {
    const key = `/root/git key's`;
    await hosts.fleet().exec(H, ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'git', '-f', key]);
    await authorizedKey.run(t(), { user: 'root', key: (await hosts.fleet().exec(H, ['cat', `${key}.pub`])).stdout });
    const params = { repo: `root@127.0.0.1:${ORIGIN}`, dest: '/srv/over-ssh', version: 'v1', key_file: key };
    const refused = await git.run(t(), params).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MeshbookError);
    expect((refused as MeshbookError).message).toMatch(/cannot read root@127\.0\.0\.1:\/srv\/origin\.git: .*Host key verification failed/s);
    await hosts.sh(H, 'echo "127.0.0.1 $(cat /etc/ssh/ssh_host_ed25519_key.pub)" >> /root/.ssh/known_hosts');
    await proveIdempotent(git, t(), params, async () => {
      expect(await headOf('/srv/over-ssh')).toBe(`${tagged}\ndetached\n`);
    });
  });

  it('a repo given as a Secret clones, and no summary or diff shows it', async () => {
    await hosts.sh(H, `git clone -q --bare ${ORIGIN} /srv/secret-origin.git`);
    const params = { repo: new Secret('/srv/secret-origin.git'), dest: '/srv/secret-app', version: 'main' };
    const checked = await git.run(t(), params, { check: true, diff: true });
    expect(checked.changes.map((c) => c.summary)).toEqual([expect.stringMatching(/^clone \*\*\* at branch main/)]);
    expect(JSON.stringify(checked)).not.toContain('secret-origin');
    await proveIdempotent(git, t(), params, async (applied) => {
      expect(JSON.stringify(applied)).not.toContain('secret-origin');
      expect(await hosts.sh(H, 'git -C /srv/secret-app config --get remote.origin.url')).toBe('/srv/secret-origin.git\n');
    });
  });

  it('an option or a remote helper as repo, or a command in version, fails before the host is touched', async () => {
    await proveBadParams(git, t(), { repo: `--upload-pack=touch ${CANARY}`, dest: APP }, /git\.repo/);
    await proveBadParams(git, t(), { repo: `ext::sh -c touch% ${CANARY}`, dest: APP }, /git\.repo/);
    await proveBadParams(git, t(), { repo: ORIGIN, dest: APP, version: `main;touch ${CANARY}` }, /git\.version/);
    await proveBadParams(git, t(), { repo: ORIGIN, dest: APP, version: '--orphan=x' }, /git\.version/);
  });
});
