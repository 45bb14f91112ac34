import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modprobe, mount, sysctl } from '@meshbook/modules';
import { useHosts } from '../support/prove.js';

/**
 * Issue 19, item 5 beyond tomlFile: a module that rewrites a file it does not own the mode of
 * (/etc/fstab, a sysctl.d or modules-load.d file) keeps the existing file's mode, owner, group and
 * extended attributes (where ACLs, an SELinux context and file capabilities live); a new file gets
 * the module's 0644 root:root. The host image has no setfattr, so a user.* xattr is set and read
 * with perl's syscall (setxattr 188, getxattr 191 on x86_64): cp copies every xattr alike.
 */
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const XATTR = `my ($op, $path, $value) = @ARGV; my $name = "user.meshbook";
if ($op eq "set") { my $r = syscall(188, $path, $name, $value, length($value), 0); die "setxattr: $!\\n" if $r < 0; }
else { my $b = "\\0" x 64; my $n = syscall(191, $path, $name, $b, 64); print $n < 0 ? "none\\n" : substr($b, 0, $n) . "\\n"; }`;

beforeAll(async () => {
  await hosts.fleet().exec(H, ['sh', '-c', 'printf "%s\\n" "$1" > /usr/local/bin/xattr.pl', 'sh', XATTR]);
});
afterAll(async () => {
  await hosts.fleet().exec(H, ['sh', '-c', 'umount /mnt/keep 2>/dev/null; true']);
});

/** Plants `path` as 0640 nobody:adm with an xattr, the way an admin or a security tool left it. */
async function plant(path: string, content: string): Promise<void> {
  await hosts.fleet().exec(H, ['sh', '-c', 'mkdir -p "${1%/*}" && printf %s "$2" > "$1" && chown nobody:adm "$1" && chmod 0640 "$1" && perl /usr/local/bin/xattr.pl set "$1" kept', 'sh', path, content]);
}
const attributes = (path: string) => hosts.sh(H, `stat -c '%a %U:%G' ${path}; perl /usr/local/bin/xattr.pl get ${path}`);

describe('file-writing modules keep an existing file\'s mode, owner and xattrs (issue 19, item 5)', () => {
  it('sysctl: a replaced sysctl.d file keeps them; a new one is 0644 root:root', async () => {
    await plant('/etc/sysctl.d/keep.conf', 'net.ipv4.ip_forward = 0\n');
    const result = await sysctl.run(t(), { values: { 'net.ipv4.ip_forward': '1' }, file: 'keep.conf' });
    expect(result.changes.map((c) => c.kind)).toContain('sysctl.file');
    expect(await hosts.sh(H, 'cat /etc/sysctl.d/keep.conf')).toBe('net.ipv4.ip_forward = 1\n');
    expect(await attributes('/etc/sysctl.d/keep.conf')).toBe('640 nobody:adm\nkept\n');
    await hosts.sh(H, 'rm -f /etc/sysctl.d/fresh.conf');
    await sysctl.run(t(), { values: { 'net.ipv4.ip_forward': '1' }, file: 'fresh.conf' });
    expect(await attributes('/etc/sysctl.d/fresh.conf')).toBe('644 root:root\nnone\n');
  });

  it('modprobe: a replaced modules-load.d file keeps them', async () => {
    await plant('/etc/modules-load.d/keep.conf', 'dummy\n');
    const result = await modprobe.run(t(), { name: ['overlay'], persist: 'keep.conf' });
    expect(result.changed).toBe(true);
    expect(await hosts.sh(H, 'cat /etc/modules-load.d/keep.conf')).toContain('overlay');
    expect(await attributes('/etc/modules-load.d/keep.conf')).toBe('640 nobody:adm\nkept\n');
  });

  it('mount: /etc/fstab keeps them', async () => {
    const fstab = await hosts.sh(H, 'cat /etc/fstab');
    await plant('/etc/fstab', fstab);
    await mount.run(t(), { src: 'keep', path: '/mnt/keep', fstype: 'tmpfs', opts: 'size=1m' });
    expect(await hosts.sh(H, 'grep /mnt/keep /etc/fstab')).toBe('keep /mnt/keep tmpfs size=1m 0 0\n');
    expect(await attributes('/etc/fstab')).toBe('640 nobody:adm\nkept\n');
  });
});
