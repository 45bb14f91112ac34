import { describe, expect, it } from 'vitest';
import { lineinfile } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const P = '/etc/ssh/sshd_config.d/meshbook.conf';
const read = (path = P) => hosts.fleet().exec(H, ['cat', path]).then((r) => r.stdout);

describe('lineinfile on a real host', () => {
  it('regexp replaces the last match; re-apply changes nothing; one round trip', async () => {
    await hosts.sh(H, `printf '#PermitRootLogin yes\\nPort 22\\nPermitRootLogin yes\\n' > ${P}`);
    const params = { path: P, regexp: '^#?PermitRootLogin', line: 'PermitRootLogin prohibit-password' };
    await proveIdempotent(lineinfile, t(), params, async () => {
      expect(await read()).toBe('#PermitRootLogin yes\nPort 22\nPermitRootLogin prohibit-password\n');
    });
    await proveOneRoundTrip(lineinfile, t(), params);
  });

  it('insertafter, insertbefore BOF, absent, with a diff', async () => {
    await proveIdempotent(lineinfile, t(), { path: P, line: 'Port 2222', insertafter: '^Port 22$' }, async () => {
      expect(await read()).toBe('#PermitRootLogin yes\nPort 22\nPort 2222\nPermitRootLogin prohibit-password\n');
    });
    await proveIdempotent(lineinfile, t(), { path: P, line: '# managed by meshbook', insertbefore: 'BOF' });
    const diff = await applyWithDiff(lineinfile, t(), { path: P, regexp: '^Port ', state: 'absent' });
    expect(diff).toContain('-Port 22\n-Port 2222');
    expect(await read()).toBe('# managed by meshbook\n#PermitRootLogin yes\nPermitRootLogin prohibit-password\n');
  });

  it('create with mode; a missing file without create fails', async () => {
    await proveIdempotent(lineinfile, t(), { path: '/etc/created.conf', line: 'x=1', create: true, mode: '0600' }, async () => {
      expect(await hosts.sh(H, 'cat /etc/created.conf; stat -c %a /etc/created.conf')).toBe('x=1\n600\n');
    });
    await expect(lineinfile.run(t(), { path: '/etc/missing.conf', line: 'x' })).rejects.toThrow(/\/etc\/missing\.conf does not exist/);
  });

  it('create: true makes a missing parent directory, as Ansible does; check mode touches nothing', async () => {
    const path = '/etc/meshbook-lines/deep/er.conf';
    const params = { path, line: 'a=1', create: true, mode: '0600' };
    await proveCheckMode(lineinfile, t(), params, () => hosts.sh(H, 'test -e /etc/meshbook-lines && echo present || echo absent'));
    await proveIdempotent(lineinfile, t(), params, async () => {
      expect(await hosts.sh(H, `cat ${path}; stat -c %a ${path}`)).toBe('a=1\n600\n');
    });
  });

  it("validate: 'sshd -t -f %s' checks the edited file on the host; a rejected edit leaves the file untouched", async () => {
    const path = '/etc/ssh/sshd_config.d/validated.conf';
    await hosts.sh(H, `printf 'PermitRootLogin prohibit-password\\n' > ${path}`);
    const validate = 'sshd -t -f %s';
    const leftovers = () => hosts.sh(H, 'ls -a /etc/ssh/sshd_config.d | grep -c meshbook-validate || true');
    await expect(lineinfile.run(t(), { path, line: 'NoSuchOption yes', validate })).rejects.toThrow(/validate failed \(exit 255\), the file is left as it was.*NoSuchOption/s);
    expect(await read(path)).toBe('PermitRootLogin prohibit-password\n');
    expect(await leftovers()).toBe('0\n');
    await proveCheckMode(lineinfile, t(), { path, regexp: '^PermitRootLogin', line: 'PermitRootLogin no', validate }, () => hosts.sh(H, `md5sum ${path}`));
    await proveIdempotent(lineinfile, t(), { path, regexp: '^PermitRootLogin', line: 'PermitRootLogin no', validate }, async () => {
      expect(await read(path)).toBe('PermitRootLogin no\n');
      expect(await leftovers()).toBe('0\n');
    });
  });

  it('search_string: a literal substring, regex characters and all; check mode, apply, apply again', async () => {
    const path = '/etc/meshbook-search.conf';
    await hosts.sh(H, `printf 'match (a.*) here\\nmatch (axx) here\\n' > ${path}`);
    const params = { path, search_string: '(a.*)', line: 'replaced' };
    await proveCheckMode(lineinfile, t(), params, () => hosts.sh(H, `md5sum ${path}`));
    await proveIdempotent(lineinfile, t(), params, async () => {
      expect(await read(path)).toBe('replaced\nmatch (axx) here\n');
    });
    await proveIdempotent(lineinfile, t(), { path, search_string: '(axx)', state: 'absent' }, async () => {
      expect(await read(path)).toBe('replaced\n');
    });
  });

  it('backrefs: the line filled from the match (\\1, \\g<name>; $1 literal); no match changes nothing, even with insertafter or create', async () => {
    const path = '/etc/meshbook-backrefs.conf';
    await hosts.sh(H, `printf 'Port 22\\nListenAddress 10.0.0.1\\n' > ${path}`);
    const params = { path, regexp: '^ListenAddress (?<ip>[\\d.]+)$', line: 'ListenAddress \\g<ip>:\\1 # $1', backrefs: true };
    await proveCheckMode(lineinfile, t(), params, () => hosts.sh(H, `md5sum ${path}`));
    await proveIdempotent(lineinfile, t(), params, async () => {
      expect(await read(path)).toBe('Port 22\nListenAddress 10.0.0.1:10.0.0.1 # $1\n');
    });
    const snapshot = () => hosts.sh(H, `md5sum ${path}; ls /etc/meshbook-missing 2>&1 || true`);
    const before = await snapshot();
    for (const [p, extra] of [[path, { insertafter: 'EOF' }], ['/etc/meshbook-missing/x.conf', { create: true }]] as const) {
      const r = await lineinfile.run(t(), { path: p, regexp: '^Nope (\\d+)', line: 'Nope \\1', backrefs: true, ...extra });
      expect(r.changed).toBe(false);
    }
    expect(await snapshot()).toBe(before);
  });

  it('check mode reports the edit and leaves the file alone', async () => {
    const r = await proveCheckMode(lineinfile, t(), { path: P, line: 'MaxAuthTries 3' }, () => hosts.sh(H, `md5sum ${P}; stat -c %Y ${P}`));
    expect(r.diff).toContain('+MaxAuthTries 3');
  });

  it('shell metacharacters in line and path are literal', async () => {
    const path = "/srv/li $(id) `x`; 'q'";
    await hosts.sh(H, 'mkdir -p /srv');
    const line = "export X='$(touch /tmp/pwned)' Y=\"`id`\" Z=a;b ünï \\n";
    await proveIdempotent(lineinfile, t(), { path, line, create: true }, async () => {
      expect(await read(path)).toBe(`${line}\n`);
      expect(await hosts.sh(H, 'test -e /tmp/pwned && echo pwned || echo safe')).toBe('safe\n');
    });
    await proveIdempotent(lineinfile, t(), { path, line: '-e -n --' }, async () => {
      expect(await read(path)).toBe(`${line}\n-e -n --\n`);
    });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(lineinfile, t(), { path: P, line: 'x', regexp: '([' }, /lineinfile\.regexp: a valid JavaScript regular expression/);
    await proveBadParams(lineinfile, t(), { path: P, line: 'a\nb' }, /lineinfile\.line/);
    await proveBadParams(lineinfile, t(), { path: P, regexp: '^(a)', line: '\\2', backrefs: true }, /lineinfile\.line: backrefs: line refers to group 2/);
  });
});
