import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret, redactDeep } from '@meshbook/engine';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions } from '../support/fleet.js';
import { copy } from '@meshbook/modules';
import { applyWithDiff, appliedOutput, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);

describe('copy on a real host', () => {
  it('content: written with mode/owner, unchanged on re-apply, one round trip to check', async () => {
    const params = { dest: '/etc/app.conf', content: 'a=1\nb=2\n', mode: '0640', owner: 'root', group: 'nogroup' };
    await proveIdempotent(copy, t(), params, async () => {
      expect(await hosts.sh(H, "cat /etc/app.conf; stat -c '%a %U:%G' /etc/app.conf")).toBe('a=1\nb=2\n640 root:nogroup\n');
    });
    await proveOneRoundTrip(copy, t(), params);
  });

  it('diff shows the content change; unset attributes are kept; backup keeps the old file', async () => {
    await hosts.sh(H, 'chown nobody:nogroup /etc/app.conf && chmod 0604 /etc/app.conf');
    const diff = await applyWithDiff(copy, t(), { dest: '/etc/app.conf', content: 'a=1\nb=3\n', backup: true });
    expect(diff).toContain('--- /etc/app.conf');
    expect(diff).toContain('-b=2\n+b=3');
    expect(await hosts.sh(H, "stat -c '%a %U:%G' /etc/app.conf; cat /etc/app.conf.*~")).toBe('604 nobody:nogroup\na=1\nb=2\n');
    expect(await hosts.sh(H, 'ls /etc | grep -c "^app.conf\\..*~$"')).toBe('1\n');
  });

  it('check mode on a fresh path reports the change and writes nothing', async () => {
    const r = await proveCheckMode(copy, t(), { dest: '/etc/fresh.conf', content: 'x\n' }, () => hosts.sh(H, 'ls -la /etc | grep -c fresh || true'));
    expect(r.diff).toContain('+x');
    await proveCheckMode(copy, t(), { dest: '/etc/app.conf', content: 'other\n' }, () => hosts.sh(H, 'cat /etc/app.conf; ls -la --time-style=full-iso /etc/app.conf'));
  });

  it('src: a controller file, binary-safe, large files compared by checksum', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mb-copy-'));
    const binary = Buffer.alloc(300 * 1024);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) % 256;
    await writeFile(join(dir, 'blob.bin'), binary);
    await proveIdempotent(copy, t(), { dest: '/opt/blob.bin', src: join(dir, 'blob.bin') }, async () => {
      expect(await hosts.sh(H, 'sha256sum < /opt/blob.bin | cut -d" " -f1')).toBe(`${createHash('sha256').update(binary).digest('hex')}\n`);
    });
    binary[5] = 42;
    await writeFile(join(dir, 'blob.bin'), binary);
    const diff = await applyWithDiff(copy, t(), { dest: '/opt/blob.bin', src: join(dir, 'blob.bin') });
    expect(diff).toMatch(/sha256:[0-9a-f]{16}…/);
  });

  it('Secret content: masked in changes, diff and output; the file holds the text', async () => {
    const canary = 'canary-copy-5e1f0c';
    const { first } = await proveIdempotent(copy, t(), { dest: '/etc/token', content: new Secret(canary), mode: '0600' }, async () => {
      expect(await hosts.sh(H, 'cat /etc/token; stat -c %a /etc/token')).toBe(`${canary}600\n`);
    });
    const changed = await copy.run(t(), { dest: '/etc/token', content: new Secret(`${canary}-2`) }, { diff: true });
    expect(JSON.stringify(redactDeep([first, changed]))).not.toContain(canary);
    expect(JSON.stringify([first.changes, changed.changes, changed.diff])).not.toContain(canary);
    expect(changed.diff).toContain('***');
  });

  it('shell metacharacters in content and path are written literally', async () => {
    const content = "$(touch /tmp/pwned) `id` ; rm -rf / #\n'single' \"double\" \\back\n-n\nünïcødé ✓\nno trailing newline";
    const dest = "/srv/we'ird $(x) ;name";
    await hosts.sh(H, 'mkdir -p /srv');
    await proveIdempotent(copy, t(), { dest, content }, async () => {
      const r = await hosts.fleet().exec(H, ['cat', dest]);
      expect(r.stdout).toBe(content);
      expect(await hosts.sh(H, 'test -e /tmp/pwned && echo pwned || echo safe')).toBe('safe\n');
    });
  });

  it('as a sudo user with become: root-owned files written, then unchanged', async () => {
    const fleet = hosts.fleet();
    const user = await connectSsh(fleetSshOptions(fleet, H, { user: fleet.sudoUser.name, becomePassword: new Secret(fleet.sudoUser.password) }));
    try {
      await proveIdempotent(copy, user, { dest: '/etc/become-test.conf', content: 'root only\n', mode: '0600' }, async () => {
        expect(await hosts.sh(H, "cat /etc/become-test.conf; stat -c '%a %U:%G' /etc/become-test.conf")).toBe('root only\n600 root:root\n');
      }, { become: true });
      // Without become the 0600 file cannot even be read: the gather fails, nothing is written.
      await expect(copy.run(user, { dest: '/etc/become-test.conf', content: 'no become\n' })).rejects.toMatchObject({ code: 'COMMAND_FAILED', message: expect.stringMatching(/reading the state of \/etc\/become-test.conf failed/) });
    } finally {
      await user.close();
    }
  });

  it('force: false leaves an existing file alone, mode included, as Ansible; creates a missing one', async () => {
    await hosts.sh(H, "printf 'mine' > /etc/keep.conf && chmod 0600 /etc/keep.conf");
    const r = await copy.run(t(), { dest: '/etc/keep.conf', content: 'theirs', mode: '0644', force: false });
    expect(r.changed).toBe(false);
    expect(await hosts.sh(H, 'cat /etc/keep.conf; stat -c %a /etc/keep.conf')).toBe('mine600\n');
    await proveIdempotent(copy, t(), { dest: '/etc/new-keep.conf', content: 'theirs', mode: '0640', force: false }, async () => {
      expect(await hosts.sh(H, 'cat /etc/new-keep.conf; stat -c %a /etc/new-keep.conf')).toBe('theirs640\n');
    });
  });

  it("validate: 'visudo -cf %s' checks the new content with its mode; a rejected file is never written", async () => {
    const dest = '/etc/sudoers.d/meshbook';
    const validate = '/usr/sbin/visudo -cf %s';
    await expect(copy.run(t(), { dest, content: 'deploy ALL=(ALL NOPASSWD: ALL\n', mode: '0440', validate })).rejects.toThrow(/validate failed/);
    expect(await hosts.sh(H, `test -e ${dest} && echo present || echo absent; ls -a /etc/sudoers.d | grep -c meshbook-validate || true`)).toBe('absent\n0\n');
    const params = { dest, content: 'deploy ALL=(ALL) NOPASSWD: ALL\n', mode: '0440', validate };
    await proveCheckMode(copy, t(), params, () => hosts.sh(H, `test -e ${dest} && echo present || echo absent`));
    await proveIdempotent(copy, t(), params, async () => {
      expect(await hosts.sh(H, `stat -c %a ${dest}; visudo -c >/dev/null && echo valid`)).toBe('440\nvalid\n');
    });
  });

  it("symbolic mode 'u=rw,g=r,o=': a new file gets it, an existing one is changed to it, then nothing", async () => {
    const params = { dest: '/etc/symbolic.conf', content: 'x\n', mode: 'u=rw,g=r,o=' };
    await proveCheckMode(copy, t(), params, () => hosts.sh(H, 'test -e /etc/symbolic.conf && echo present || echo absent'));
    await proveIdempotent(copy, t(), params, async () => {
      expect(await hosts.sh(H, 'stat -c %a /etc/symbolic.conf')).toBe('640\n');
    });
    await hosts.sh(H, 'chmod 0666 /etc/symbolic.conf');
    await proveIdempotent(copy, t(), params, async () => {
      expect(await hosts.sh(H, 'stat -c %a /etc/symbolic.conf')).toBe('640\n');
    });
  });

  it('remote_src: a host file copied on the host, validated, then unchanged; check mode on a fresh path writes nothing', async () => {
    const odd = "/srv/remote $(touch pwned) `id`; 'q'";
    await hosts.sh(H, `mkdir -p /srv/dist && printf 'listen 80\\n' > /srv/dist/app.conf && chmod 0640 /srv/dist/app.conf && ln -sfn app.conf /srv/dist/current.conf`);
    const params = { dest: odd, src: '/srv/dist/current.conf', remote_src: true, mode: 'preserve' as const, validate: 'grep -q listen %s' };
    const r = await proveCheckMode(copy, t(), params, () => hosts.sh(H, 'ls -A /srv; ls -A /srv/dist'));
    expect(r.diff).toContain('+listen 80');
    await proveIdempotent(copy, t(), params, async () => {
      const read = await hosts.fleet().exec(H, ['stat', '-c', '%F %a', '--', odd]);
      expect(read.stdout).toBe('regular file 640\n');
      expect((await hosts.fleet().exec(H, ['cat', '--', odd])).stdout).toBe('listen 80\n');
      expect(await hosts.sh(H, 'find / -xdev -name pwned | wc -l; ls -A /srv | grep -c meshbook-copy || true')).toBe('0\n0\n');
    });
    // A source that fails validate is never copied; the old file stays.
    await hosts.sh(H, "printf 'nothing\\n' > /srv/dist/app.conf");
    await expect(copy.run(t(), params)).rejects.toThrow(/validate failed/);
    expect((await hosts.fleet().exec(H, ['cat', '--', odd])).stdout).toBe('listen 80\n');
    await expect(copy.run(t(), { dest: '/srv/x', src: '/srv/dist/missing', remote_src: true })).rejects.toThrow('remote_src: /srv/dist/missing does not exist on the host');
 
    // dest ending in '/': the directory is made; backup keeps the replaced file.
    await hosts.sh(H, "printf 'listen 81\\n' > /srv/dist/app.conf");
    await proveIdempotent(copy, t(), { dest: '/srv/made/', src: '/srv/dist/app.conf', remote_src: true }, async () => {
      expect(await hosts.sh(H, 'cat /srv/made/app.conf')).toBe('listen 81\n');
    });
    await hosts.sh(H, "printf 'listen 82\\n' > /srv/dist/app.conf");
    const backedUp = await copy.run(t(), { dest: '/srv/made/', src: '/srv/dist/app.conf', remote_src: true, backup: true });
    expect(await hosts.sh(H, `cat /srv/made/app.conf '${appliedOutput(backedUp).backupFile}'`)).toBe('listen 82\nlisten 81\n');
  });

  it('remote_src onto a bind-mounted file (Docker\'s /etc/hosts): rewritten in place from the checked copy, then unchanged', async () => {
    await hosts.sh(H, "cp /etc/hosts /srv/hosts.new && printf '10.9.9.9 remote-src-test\\n' >> /srv/hosts.new");
    await proveIdempotent(copy, t(), { dest: '/etc/hosts', src: '/srv/hosts.new', remote_src: true, mode: '0644' }, async () => {
      expect(await hosts.sh(H, 'cmp /etc/hosts /srv/hosts.new && echo same; mountpoint -q /etc/hosts && echo mounted; ls -a /etc | grep -c meshbook-copy || true')).toBe('same\nmounted\n0\n');
    });
  });

  it("a directory src: 'dir' lands as dest/dir with directory_mode, 'dir/' copies its contents with mode preserve; one drifted file is all a re-run changes", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mb-copytree-'));
    const src = join(dir, 'app');
    await mkdir(join(src, 'conf'), { recursive: true });
    await writeFile(join(src, 'conf', 'a.conf'), 'a=1\n');
    await chmod(join(src, 'conf', 'a.conf'), 0o600);
    await writeFile(join(src, 'run.sh'), '#!/bin/sh\n');
    await chmod(join(src, 'run.sh'), 0o755);
    await writeFile(join(src, "odd $(touch pwned) `id`;'q' ü"), 'odd\n');
    await symlink('run.sh', join(src, 'start.sh'));
    const listing = (root: string) => hosts.sh(H, `cd ${root} && find . -printf '%p %y %m %U\\n' | sort`);
    const whole = { dest: '/srv/trees/one', src, directory_mode: '0750', owner: 'nobody' };
    await proveCheckMode(copy, t(), whole, () => hosts.sh(H, 'ls -A /srv; test -e /srv/trees && echo present || echo absent'));
    await proveIdempotent(copy, t(), whole, async () => {
      expect(await listing('/srv/trees')).toBe(
        [
          '. d 755 0',
          './one d 750 65534',
          './one/app d 750 65534',
          './one/app/conf d 750 65534',
          './one/app/conf/a.conf f 644 65534',
          "./one/app/odd $(touch pwned) `id`;'q' ü f 644 65534",
          './one/app/run.sh f 644 65534',
          './one/app/start.sh f 644 65534',
          '',
        ].join('\n'),
      );
    });
    const contents = { dest: '/srv/trees/two', src: `${src}/`, mode: 'preserve' as const };
    await proveIdempotent(copy, t(), contents, async () => {
      expect(await listing('/srv/trees/two')).toBe(
        ['. d 755 0', './conf d 755 0', './conf/a.conf f 600 0', "./odd $(touch pwned) `id`;'q' ü f 644 0", './run.sh f 755 0', './start.sh f 755 0', ''].join('\n'),
      );
      expect(await hosts.sh(H, 'cat /srv/trees/two/start.sh; find / -xdev -name pwned | wc -l')).toBe('#!/bin/sh\n0\n');
    });
    await hosts.sh(H, "printf 'drift\\n' > /srv/trees/two/conf/a.conf && printf 'mine\\n' > /srv/trees/two/extra");
    const again = await copy.run(t(), contents);
    expect(again.changes.map((c) => c.target)).toEqual(['/srv/trees/two/conf/a.conf']);
    expect(await hosts.sh(H, 'cat /srv/trees/two/conf/a.conf /srv/trees/two/extra')).toBe('a=1\nmine\n');
  });

  it('remote_src directory: copied on the host keeping its modes (as Ansible), then unchanged', async () => {
    await hosts.sh(H, "mkdir -p /srv/release/bin && printf x > /srv/release/bin/tool && chmod 0750 /srv/release/bin/tool && chmod 0711 /srv/release/bin && printf y > /srv/release/README");
    const params = { dest: '/srv/deployed/', src: '/srv/release/', remote_src: true };
    await proveCheckMode(copy, t(), params, () => hosts.sh(H, 'test -e /srv/deployed && echo present || echo absent'));
    await proveIdempotent(copy, t(), params, async () => {
      expect(await hosts.sh(H, "cd /srv/deployed && find . -printf '%p %y %m\\n' | sort")).toBe('. d 755\n./README f 644\n./bin d 711\n./bin/tool f 750\n');
    });
  });

  it('follow: false (default, as Ansible) replaces a symlink at dest; follow: true writes through to its target', async () => {
    await hosts.sh(H, "printf 'target\\n' > /srv/real.conf && ln -sfn real.conf /srv/through.conf && ln -sfn real.conf /srv/replaced.conf");
    const state = () => hosts.sh(H, "cat /srv/real.conf; stat -c '%F' /srv/through.conf /srv/replaced.conf");
    await proveCheckMode(copy, t(), { dest: '/srv/replaced.conf', content: 'own\n' }, state);
    await proveIdempotent(copy, t(), { dest: '/srv/replaced.conf', content: 'own\n' }, async () => {
      expect(await state()).toBe('target\nsymbolic link\nregular file\n');
    });
    await proveIdempotent(copy, t(), { dest: '/srv/through.conf', content: 'through\n', follow: true }, async () => {
      expect(await state()).toBe('through\nsymbolic link\nregular file\n');
    });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(copy, t(), { dest: '/etc/x' }, /copy\.content: give exactly one of content or src/);
    await proveBadParams(copy, t(), { dest: '/etc/x', content: 'x', owner: '-R' }, /copy\.owner/);
    await proveBadParams(copy, t(), { dest: '/etc/x', src: 'relative', remote_src: true }, /copy\.remote_src/);
  });
});
