import { describe, expect, it } from 'vitest';
import { mount } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

// bpffs mounts inside the test hosts (CAP_SYS_ADMIN, own mount namespace), so seed 004's step runs for real.
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const state = () => hosts.sh(H, 'cat /etc/fstab; findmnt -n -o SOURCE,FSTYPE --mountpoint /sys/fs/bpf || true; findmnt -n --mountpoint /mnt/scratch || true');
const bpffs = { src: 'bpffs', path: '/sys/fs/bpf', fstype: 'bpf' };

describe('mount on a real host', () => {
  it('check mode on a fresh host reports fstab + mount and changes nothing', async () => {
    const result = await proveCheckMode(mount, t(), bpffs, state);
    expect(result.changes.map((c) => c.kind)).toEqual(['mount.fstab', 'mount.mount']);
    expect(result.diff).toContain('+bpffs /sys/fs/bpf bpf defaults 0 0');
  });

  it('seed 004: bpffs in fstab and mounted at /sys/fs/bpf, then nothing; gather is one round trip', async () => {
    await proveIdempotent(mount, t(), bpffs, async () => {
      expect(await hosts.sh(H, 'grep bpffs /etc/fstab; findmnt -n -o SOURCE,FSTYPE --mountpoint /sys/fs/bpf')).toMatch(/^bpffs \/sys\/fs\/bpf bpf defaults 0 0\nbpffs\s+bpf\n$/);
    });
    await proveOneRoundTrip(mount, t(), bpffs);
  });

  it('unmounted: unmounts and keeps the fstab line; mounted again from the same entry', async () => {
    await proveIdempotent(mount, t(), { path: '/sys/fs/bpf', state: 'unmounted' }, async () => {
      expect(await hosts.sh(H, 'findmnt --mountpoint /sys/fs/bpf >/dev/null && echo mounted || echo not; grep -c bpffs /etc/fstab')).toBe('not\n1\n');
    });
    const again = await mount.run(t(), bpffs);
    expect(again.changes.map((c) => c.kind)).toEqual(['mount.mount']);
  });

  it('another filesystem type at the path is replaced; diff shows the fstab edit and the remount', async () => {
    await hosts.sh(H, 'mkdir -p /mnt/scratch && mount -t ramfs ramfs /mnt/scratch');
    const scratch = { src: 'scratch', path: '/mnt/scratch', fstype: 'tmpfs', opts: 'size=2m' };
    const diff = await applyWithDiff(mount, t(), scratch);
    expect(diff).toContain('+scratch /mnt/scratch tmpfs size=2m 0 0');
    expect(diff).toContain('- ramfs ramfs\n+ scratch tmpfs');
    expect(await hosts.sh(H, 'findmnt -n -o SOURCE,FSTYPE --mountpoint /mnt/scratch')).toMatch(/^scratch\s+tmpfs\n$/);
    expect((await mount.run(t(), scratch)).changes).toEqual([]);
  });

  it('a bind mount counts as done once there (findmnt shows the exposed filesystem, not "none")', async () => {
    const bind = { src: '/dev/shm', path: '/mnt/bound', fstype: 'none', opts: 'bind' };
    await proveIdempotent(mount, t(), bind, async () => {
      expect(await hosts.sh(H, 'findmnt -n -o FSTYPE --mountpoint /mnt/bound')).toBe('tmpfs\n');
    });
  });

  it('absent: unmounts and removes the fstab line, then nothing', async () => {
    await proveIdempotent(mount, t(), { path: '/sys/fs/bpf', state: 'absent' }, async () => {
      expect(await hosts.sh(H, 'findmnt --mountpoint /sys/fs/bpf >/dev/null && echo mounted || echo not; grep -c bpffs /etc/fstab || true')).toBe('not\n0\n');
    });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(mount, t(), { path: '/sys/fs/bpf', fstype: 'bpf' }, /mount\.src: required when state is mounted/);
    await proveBadParams(mount, t(), { ...bpffs, opts: 'defaults 0 0\nevil /etc' }, /mount\.opts/);
  });
});
