import { describe, expect, it } from 'vitest';
import { hosts as hostsModule } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
// Most tests edit a copy; one edits the real /etc/hosts, which Docker bind-mounts (no rename over it).
const P = '/etc/hosts.meshbook-test';
const read = () => hosts.fleet().exec(H, ['cat', P]).then((r) => r.stdout);

const ens3 = { path: P, name: 'cluster-ens3', entries: [{ ip: '10.0.0.11', names: ['m1', 'm1.c1.lan'] }, { ip: '10.0.0.12', names: ['w1'] }] };
const wg0 = { path: P, name: 'cluster-wg0', entries: [{ ip: '10.7.0.1', names: ['m1-wg'] }, { ip: 'fd00::2', names: ['w1-wg'] }] };

describe('hosts on a real host', () => {
  it('one block per purpose, other lines untouched, re-apply unchanged', async () => {
    await hosts.sh(H, `cp /etc/hosts ${P}`);
    const original = await read();
    await proveIdempotent(hostsModule, t(), ens3, async () => {
      expect(await read()).toBe(`${original}# BEGIN MESHBOOK HOSTS cluster-ens3\n10.0.0.11\tm1 m1.c1.lan\n10.0.0.12\tw1\n# END MESHBOOK HOSTS cluster-ens3\n`);
    });
    await proveIdempotent(hostsModule, t(), wg0);
    await proveOneRoundTrip(hostsModule, t(), wg0);
    expect(await hosts.sh(H, `getent -s files hosts m1 >/dev/null; grep -c MESHBOOK ${P}`)).toBe('4\n');
    const diff = await applyWithDiff(hostsModule, t(), { ...ens3, entries: [{ ip: '10.0.0.21', names: ['m1'] }] });
    expect(diff).toContain('-10.0.0.11\tm1 m1.c1.lan\n-10.0.0.12\tw1\n+10.0.0.21\tm1');
    await proveIdempotent(hostsModule, t(), { path: P, name: 'cluster-ens3', state: 'absent' }, async () => {
      expect(await read()).toBe(`${original}# BEGIN MESHBOOK HOSTS cluster-wg0\n10.7.0.1\tm1-wg\nfd00::2\tw1-wg\n# END MESHBOOK HOSTS cluster-wg0\n`);
    });
  });

  it('the real /etc/hosts, a bind mount in a container, is rewritten in place and resolves', async () => {
    expect(await hosts.sh(H, 'findmnt -n -o TARGET /etc/hosts')).toBe('/etc/hosts\n');
    const original = await hosts.sh(H, 'cat /etc/hosts');
    const params = { name: 'cluster-ens3', entries: [{ ip: '10.0.0.11', names: ['m1', 'm1.c1.lan'] }] };
    await proveIdempotent(hostsModule, t(), params, async () => {
      expect(await hosts.sh(H, 'getent hosts m1.c1.lan')).toBe('10.0.0.11       m1 m1.c1.lan\n');
      expect(await hosts.sh(H, 'cat /etc/hosts')).toBe(`${original}# BEGIN MESHBOOK HOSTS cluster-ens3\n10.0.0.11\tm1 m1.c1.lan\n# END MESHBOOK HOSTS cluster-ens3\n`);
    });
    await proveIdempotent(hostsModule, t(), { name: 'cluster-ens3', state: 'absent' }, async () => {
      expect(await hosts.sh(H, 'cat /etc/hosts')).toBe(original);
    });
  });

  it('check mode reports and leaves the file alone', async () => {
    await proveCheckMode(hostsModule, t(), ens3, () => hosts.sh(H, `md5sum ${P}`));
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(hostsModule, t(), { path: P, name: 'x', entries: [{ ip: '10.0.0.1', names: ['a'] }, { ip: '10.0.0.2', names: ['a'] }] }, /"a" is already in entries\[0\]/);
    await proveBadParams(hostsModule, t(), { path: P, name: 'x', entries: [{ ip: '$(id)', names: ['a'] }] }, /hosts\.entries\[0\]\.ip/);
  });
});
