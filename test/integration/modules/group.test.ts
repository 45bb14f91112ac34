import { describe, expect, it } from 'vitest';
import { group } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const entry = (name: string) => hosts.sh(H, `getent group ${name} || echo none`);

describe('group on a real host', () => {
  it('check mode on a fresh host reports the group and creates nothing', async () => {
    const result = await proveCheckMode(group, t(), { name: 'docker', system: true }, () => entry('docker'));
    expect(result.changes.map((c) => c.kind)).toEqual(['group.create']);
  });

  it('creates a system group, then nothing; gather is one round trip', async () => {
    await proveIdempotent(group, t(), { name: 'docker', system: true }, async () => {
      const [, , gid] = (await entry('docker')).trim().split(':');
      expect(Number(gid)).toBeLessThan(1000);
    });
    await proveOneRoundTrip(group, t(), { name: 'docker', system: true });
  });

  it('a fixed gid: created with it, changed with groupmod (diff shown)', async () => {
    await proveIdempotent(group, t(), { name: 'meshops', gid: 4321 }, async () => {
      expect(await entry('meshops')).toBe('meshops:x:4321:\n');
    });
    const diff = await applyWithDiff(group, t(), { name: 'meshops', gid: 4322 });
    expect(diff).toContain('- 4321\n+ 4322');
    expect(await entry('meshops')).toBe('meshops:x:4322:\n');
  });

  it('absent: removed, then nothing', async () => {
    await proveIdempotent(group, t(), { name: 'meshops', state: 'absent' }, async () => {
      expect(await entry('meshops')).toBe('none\n');
    });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(group, t(), { name: 'x; touch /tmp/pwned' }, /group\.name/);
    await proveBadParams(group, t(), { name: 'ok', gid: 'many' }, /group\.gid/);
  });
});
