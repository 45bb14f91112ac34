import { describe, expect, it } from 'vitest';
import { group, user } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const account = (name: string) => hosts.sh(H, `getent passwd ${name} || echo none; id -Gn ${name} 2>/dev/null || true; test -d /home/${name} && echo home || echo nohome`);

describe('user on a real host', () => {
  it('check mode on a fresh host reports the user and creates nothing', async () => {
    const result = await proveCheckMode(user, t(), { name: 'ubuntu', uid: 1500, shell: '/bin/bash', groups: ['sudo'] }, () => account('ubuntu'));
    expect(result.changes.map((c) => c.kind)).toEqual(['user.create']);
    expect(result.diff).toContain('uid 1500');
  });

  it('creates a user with uid, shell, home and groups, then nothing; gather is one round trip', async () => {
    const params = { name: 'ubuntu', uid: 1500, shell: '/bin/bash', groups: ['sudo'] };
    await proveIdempotent(user, t(), params, async () => {
      expect(await account('ubuntu')).toBe('ubuntu:x:1500:1500::/home/ubuntu:/bin/bash\nubuntu sudo\nhome\n');
    });
    await proveOneRoundTrip(user, t(), params);
  });

  it('seed 004: the login user joins docker with append, keeping sudo (diff shown)', async () => {
    await group.run(t(), { name: 'docker', system: true });
    const diff = await applyWithDiff(user, t(), { name: 'ubuntu', groups: ['docker'], append: true });
    expect(diff).toContain('- sudo\n+ docker,sudo');
    expect(await hosts.sh(H, 'id -Gn ubuntu')).toBe('ubuntu sudo docker\n');
    expect((await user.run(t(), { name: 'ubuntu', groups: ['docker'], append: true })).changed).toBe(false);
  });

  it('without append the list is exact; attributes change in one usermod', async () => {
    await proveIdempotent(user, t(), { name: 'ubuntu', groups: ['docker'], shell: '/bin/sh', comment: 'Login user' }, async () => {
      expect(await account('ubuntu')).toBe('ubuntu:x:1500:1500:Login user:/home/ubuntu:/bin/sh\nubuntu docker\nhome\n');
    });
  });

  it('a system user without a home', async () => {
    await proveIdempotent(user, t(), { name: 'meshsvc', system: true, createHome: false, shell: '/usr/sbin/nologin' }, async () => {
      const out = await account('meshsvc');
      expect(out).toMatch(/^meshsvc:x:(\d+):/);
      expect(Number(out.split(':')[2])).toBeLessThan(1000);
      expect(out).toContain('nohome');
    });
  });

  it('absent with remove: user and home gone, then nothing', async () => {
    await proveIdempotent(user, t(), { name: 'ubuntu', state: 'absent', remove: true }, async () => {
      expect(await account('ubuntu')).toBe('none\nnohome\n');
    });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(user, t(), { name: 'root:0' }, /user\.name/);
    await proveBadParams(user, t(), { name: 'ok', groups: 'sudo' }, /user\.groups/);
  });
});
