import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret, redactDeep } from '@meshbook/engine';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions } from '../support/fleet.js';
import { copy } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

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

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(copy, t(), { dest: '/etc/x' }, /copy\.content: give exactly one of content or src/);
    await proveBadParams(copy, t(), { dest: '/etc/x', content: 'x', owner: '-R' }, /copy\.owner/);
  });
});
