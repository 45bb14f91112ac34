import { describe, expect, it } from 'vitest';
import { file } from '@meshbook/modules';
import { proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, applyWithDiff, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const stat = (path: string) => hosts.sh(H, `stat -c '%F %a %U:%G' -- '${path}' 2>&1 || true`);

describe('file on a real host', () => {
  it('directory: created with mode and owner, then unchanged; gather is one round trip', async () => {
    const params = { path: '/srv/app/data', state: 'directory' as const, mode: '0750', owner: 'nobody', group: 'nogroup' };
    await proveIdempotent(file, t(), params, async () => {
      expect(await stat('/srv/app/data')).toBe('directory 750 nobody:nogroup\n');
    });
    await proveOneRoundTrip(file, t(), params);
  });

  it('file: touched when absent, content never changed', async () => {
    await hosts.sh(H, "printf 'keep me' > /srv/existing");
    const none = await file.run(t(), { path: '/srv/existing', mode: '0600' });
    expect(none.changes.map((c) => c.kind)).toEqual(['file.mode']);
    expect(await hosts.sh(H, 'cat /srv/existing; stat -c %a /srv/existing')).toBe('keep me600\n');
    await proveIdempotent(file, t(), { path: '/srv/empty', state: 'touch' }, async () => {
      expect(await stat('/srv/empty')).toBe('regular empty file 644 root:root\n');
    });
  });

  it('link: created, retargeted, and a file replaced only with force', async () => {
    await proveIdempotent(file, t(), { path: '/srv/current', state: 'link', src: '/srv/app' }, async () => {
      expect(await hosts.sh(H, 'readlink /srv/current')).toBe('/srv/app\n');
    });
    const diff = await applyWithDiff(file, t(), { path: '/srv/current', state: 'link', src: 'app/data' });
    expect(diff).toContain('- /srv/app\n+ app/data');
    expect(await hosts.sh(H, 'readlink /srv/current; ls -d /srv/current/')).toBe('app/data\n/srv/current/\n');
    await expect(file.run(t(), { path: '/srv/existing', state: 'link', src: '/srv/app' })).rejects.toThrow(/force: true/);
    await proveIdempotent(file, t(), { path: '/srv/existing', state: 'link', src: '/srv/app', force: true });
  });

  it('a setgid directory reaches the mode asked for (five-digit chmod clears the bit)', async () => {
    await hosts.sh(H, 'mkdir -p /srv/sgid && chmod 2755 /srv/sgid && mkdir -p /srv/shared && chmod 2775 /srv/shared');
    await proveIdempotent(file, t(), { path: '/srv/sgid', state: 'directory', mode: '0755' }, async () => {
      expect(await stat('/srv/sgid')).toBe('directory 755 root:root\n');
    });
    await proveIdempotent(file, t(), { path: '/srv/shared/new', state: 'directory', mode: '0750' }, async () => {
      expect(await stat('/srv/shared/new')).toBe('directory 750 root:root\n');
    });
    await proveIdempotent(file, t(), { path: '/srv/sgid', state: 'directory', mode: '2770' }, async () => {
      expect(await stat('/srv/sgid')).toBe('directory 2770 root:root\n');
    });
  });

  it('link: a missing source is refused unless force', async () => {
    const snapshot = () => hosts.sh(H, 'ls -la /srv');
    const before = await snapshot();
    await expect(file.run(t(), { path: '/srv/typo', state: 'link', src: '/srv/no-such-thing' })).rejects.toMatchObject({
      message: 'link source /srv/no-such-thing does not exist',
      hint: expect.stringContaining('force: true'),
    });
    expect(await snapshot()).toBe(before);
    await proveIdempotent(file, t(), { path: '/srv/dangling', state: 'link', src: 'not-yet', force: true }, async () => {
      expect(await hosts.sh(H, 'readlink /srv/dangling')).toBe('not-yet\n');
    });
    // A relative source resolves from the link's directory, as the link will.
    await hosts.sh(H, 'mkdir -p /srv/rel && touch /srv/rel/target');
    await proveIdempotent(file, t(), { path: '/srv/rel/link', state: 'link', src: 'target' });
  });

  it('as Ansible: state file on a missing path fails, no state takes the kind that is there', async () => {
    await expect(file.run(t(), { path: '/srv/missing-file', state: 'file' })).rejects.toThrow('/srv/missing-file does not exist');
    expect(await hosts.sh(H, 'test -e /srv/missing-file && echo present || echo absent')).toBe('absent\n');
    await hosts.sh(H, 'mkdir -p /srv/inferred && chmod 0755 /srv/inferred');
    await proveIdempotent(file, t(), { path: '/srv/inferred', mode: '0700' }, async () => {
      expect(await stat('/srv/inferred')).toBe('directory 700 root:root\n');
    });
  });

  it('symbolic modes: resolved against what is there; check mode on a fresh path, apply, apply again', async () => {
    const fresh = { path: '/srv/symbolic', state: 'directory' as const, mode: 'u=rwx,g=rx,o=' };
    await proveCheckMode(file, t(), fresh, () => hosts.sh(H, 'test -e /srv/symbolic && echo present || echo absent'));
    await proveIdempotent(file, t(), fresh, async () => {
      expect(await stat('/srv/symbolic')).toBe('directory 750 root:root\n');
    });
    await hosts.sh(H, 'printf x > /srv/symbolic/run && chmod 0744 /srv/symbolic/run');
    await proveIdempotent(file, t(), { path: '/srv/symbolic/run', mode: 'go+X,o-r' }, async () => {
      expect(await stat('/srv/symbolic/run')).toBe('regular file 751 root:root\n');
    });
  });

  it('hard: check mode on a fresh path, apply (mode of the shared file), apply again; force replaces, a missing src is refused', async () => {
    await hosts.sh(H, "mkdir -p /srv/hard && printf 'shared' > /srv/hard/src && chmod 0644 /srv/hard/src && printf 'other' > /srv/hard/taken");
    const params = { path: '/srv/hard/link', state: 'hard' as const, src: '/srv/hard/src', mode: '0640' };
    const snapshot = () => hosts.sh(H, "ls -li /srv/hard; stat -c '%a %h' /srv/hard/src");
    await proveCheckMode(file, t(), params, snapshot);
    await proveIdempotent(file, t(), params, async () => {
      expect(await hosts.sh(H, "stat -c '%i %a %h' /srv/hard/src; stat -c '%i %a %h' /srv/hard/link")).toMatch(/^(\d+) 640 2\n\1 640 2\n$/);
    });
    const before = await snapshot();
    await expect(file.run(t(), { path: '/srv/hard/taken', state: 'hard', src: '/srv/hard/src' })).rejects.toThrow('/srv/hard/taken is a file, not a hard link to /srv/hard/src');
    await expect(file.run(t(), { path: '/srv/hard/typo', state: 'hard', src: '/srv/hard/no-such' })).rejects.toThrow('hard link source /srv/hard/no-such does not exist');
    expect(await snapshot()).toBe(before);
    await proveIdempotent(file, t(), { path: '/srv/hard/taken', state: 'hard', src: '/srv/hard/src', force: true }, async () => {
      expect(await hosts.sh(H, 'cat /srv/hard/taken; stat -c %h /srv/hard/src')).toBe('shared3\n');
    });
  });

  it('recurse: mode (symbolic X per entry) and owner through the tree; links keep their target alone; check mode first', async () => {
    await hosts.sh(H, [
      'mkdir -p /srv/tree/sub /srv/outside',
      "printf x > /srv/tree/run.sh && chmod 0755 /srv/tree/run.sh",
      "printf x > /srv/tree/sub/data && chmod 0666 /srv/tree/sub/data",
      "printf x > '/srv/tree/sub/odd $(touch pwned) `id` ;x' && chmod 0600 '/srv/tree/sub/odd $(touch pwned) `id` ;x'",
      "printf x > /srv/outside/keep && chmod 0644 /srv/outside/keep",
      'ln -s /srv/outside /srv/tree/out-link',
    ].join(' && '));
    const params = { path: '/srv/tree', state: 'directory' as const, recurse: true, mode: 'u=rwX,g=rX,o=', owner: 'nobody', group: 'nogroup' };
    const listing = () => hosts.sh(H, "cd /srv && find tree outside -printf '%p %y %m %u:%g\\n' | sort");
    const r = await proveCheckMode(file, t(), params, listing);
    expect(r.changes.map((c) => c.summary)).toEqual(['owner root → nobody', 'group root → nogroup', 'mode 0755 → 0750', 'recurse: 5 entries below (owner 5, mode 4)']);
    await proveIdempotent(file, t(), params, async () => {
      expect(await listing()).toBe(
        [
          'outside d 755 root:root',
          'outside/keep f 644 root:root',
          'tree d 750 nobody:nogroup',
          'tree/out-link l 777 nobody:nogroup',
          'tree/run.sh f 750 nobody:nogroup',
          'tree/sub d 750 nobody:nogroup',
          'tree/sub/data f 640 nobody:nogroup',
          'tree/sub/odd $(touch pwned) `id` ;x f 640 nobody:nogroup',
          '',
        ].join('\n'),
      );
      expect(await hosts.sh(H, 'find / -xdev -name pwned | wc -l')).toBe('0\n');
    });
    // One entry drifts: only it is changed.
    await hosts.sh(H, 'chmod 0600 /srv/tree/sub/data');
    const again = await file.run(t(), params);
    expect(again.changes.map((c) => c.summary)).toEqual(['recurse: 1 entry below (owner 0, mode 1)']);
  });

  it('follow: false acts on the symlink itself (its own owner); follow: true on its target', async () => {
    await hosts.sh(H, "printf x > /srv/target && chown root:root /srv/target && ln -sfn /srv/target /srv/pointer");
    const owners = () => hosts.sh(H, "stat -c '%U:%G' /srv/target; stat -c '%U:%G' /srv/pointer");
    const itself = { path: '/srv/pointer', owner: 'nobody', group: 'nogroup', follow: false };
    await proveCheckMode(file, t(), itself, owners);
    await proveIdempotent(file, t(), itself, async () => {
      expect(await owners()).toBe('root:root\nnobody:nogroup\n');
    });
    await proveIdempotent(file, t(), { path: '/srv/pointer', owner: 'daemon' }, async () => {
      expect(await owners()).toBe('daemon:root\nnobody:nogroup\n');
    });
    await expect(file.run(t(), { path: '/srv/pointer', mode: '0600', follow: false })).rejects.toThrow(/no mode of its own/);
  });

  it('absent: removes a directory tree, then nothing', async () => {
    await hosts.sh(H, 'mkdir -p /srv/gone/a/b && touch /srv/gone/a/b/c');
    await proveIdempotent(file, t(), { path: '/srv/gone', state: 'absent' }, async () => {
      expect(await hosts.sh(H, 'test -e /srv/gone && echo present || echo absent')).toBe('absent\n');
    });
  });

  it('check mode reports and changes nothing', async () => {
    const snapshot = () => hosts.sh(H, 'ls -la /srv; test -e /srv/fresh && echo present || echo absent');
    const r = await proveCheckMode(file, t(), { path: '/srv/fresh', state: 'directory', mode: '0700' }, snapshot);
    expect(r.diff).toContain('+ directory');
    await proveCheckMode(file, t(), { path: '/srv/app', state: 'absent' }, snapshot);
  });

  it('shell metacharacters in a path are literal', async () => {
    const odd = "/srv/odd $(touch /tmp/pwned) `id`; 'q\" ünï\nline";
    await proveIdempotent(file, t(), { path: odd, state: 'directory' }, async () => {
      expect(await hosts.sh(H, 'ls /srv | grep -c odd; test -e /tmp/pwned && echo pwned || echo safe')).toBe('1\nsafe\n');
    });
    await proveIdempotent(file, t(), { path: '/srv/-n', state: 'touch' }, async () => {
      expect(await hosts.sh(H, "test -f '/srv/-n' && echo yes")).toBe('yes\n');
    });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(file, t(), { path: 'relative/path' }, /file\.path: an absolute path/);
    await proveBadParams(file, t(), { path: '/x', mode: 'rwx' }, /file\.mode/);
  });
});
