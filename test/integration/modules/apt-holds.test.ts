import { beforeAll, describe, expect, it } from 'vitest';
import { apt } from '@meshbook/modules';
import { proveCheckMode, proveIdempotent, useHosts } from '../support/prove.js';

/**
 * apt reads a package's hold from dpkg's selection (the `want` word of dpkg-query's ${Status},
 * in the query that reads the package anyway) instead of starting apt-mark showhold, which builds
 * apt's cache and runs dpkg twice. Both read the same status database: this proves they answer
 * alike for every way a package can be held, multi-arch ones included, using small packages built
 * on the host (no network).
 */
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);

// Held by apt-mark or by dpkg's selections, in one architecture of a multi-arch package, or held after
// its removal (only its conffiles left); and not held, or unknown to dpkg.
const SETUP = `set -e
native=$(dpkg --print-architecture); foreign=i386; [ "$native" != i386 ] || foreign=amd64
dpkg --add-architecture "$foreign"
mk() { # name arch [multi-arch]; each has a conffile, so a removed one stays known (config-files)
  d=$(mktemp -d); mkdir -p "$d/DEBIAN" "$d/etc"
  printf 'Package: %s\\nVersion: 1.0\\nArchitecture: %s\\nMaintainer: meshbook test <test@example.invalid>\\nDescription: hold test\\n' "$1" "$2" > "$d/DEBIAN/control"
  [ -z "$3" ] || printf 'Multi-Arch: %s\\n' "$3" >> "$d/DEBIAN/control"
  echo "$1" > "$d/etc/$1-$2.conf"; echo "/etc/$1-$2.conf" > "$d/DEBIAN/conffiles"
  dpkg-deb --build "$d" "/tmp/$1_$2.deb" >/dev/null; rm -rf "$d"; echo "/tmp/$1_$2.deb"
}
dpkg -i $(mk mbh-apt-mark "$native") $(mk mbh-selection "$native") $(mk mbh-arch-all all) \\
  $(mk mbh-foreign "$native" same) $(mk mbh-foreign "$foreign" same) \\
  $(mk mbh-native "$native" same) $(mk mbh-native "$foreign" same) $(mk mbh-both "$native" same) $(mk mbh-both "$foreign" same) \\
  $(mk mbh-removed "$native") $(mk mbh-free "$native") $(mk mbh-free-ma "$native" same) $(mk mbh-free-ma "$foreign" same) \\
  $(mk mbh-removed-ma "$native" same) $(mk mbh-removed-ma "$foreign" same) $(mk mbh-removed-free "$native") >/dev/null
dpkg -r mbh-removed "mbh-removed-ma:$native" "mbh-removed-ma:$foreign" mbh-removed-free >/dev/null
apt-mark hold mbh-apt-mark mbh-arch-all "mbh-foreign:$foreign" "mbh-native:$native" "mbh-both:$native" "mbh-both:$foreign" >/dev/null
printf '%s hold\\n' mbh-selection mbh-removed "mbh-removed-ma:$native" "mbh-removed-ma:$foreign" | dpkg --set-selections
dpkg-query -W -f='\${Status}\\n' mbh-removed | grep -qx 'hold ok config-files'`;

const NAMES = ['mbh-apt-mark', 'mbh-selection', 'mbh-arch-all', 'mbh-foreign', 'mbh-native', 'mbh-both', 'mbh-removed', 'mbh-free', 'mbh-free-ma', 'mbh-never-known'];

/** What apt's plan makes of a hold (check mode: nothing is changed): held when `hold: true` plans no hold and `hold: false` an unhold. */
async function heldPerModule(name: string): Promise<boolean> {
  const hold = await apt.run(t(), { name, hold: true }, { check: true });
  const unhold = await apt.run(t(), { name, hold: false }, { check: true });
  const planned = (r: typeof hold, kind: string) => r.changes.some((c) => c.kind === kind);
  expect(planned(hold, 'apt.hold')).toBe(!planned(unhold, 'apt.unhold'));
  return planned(unhold, 'apt.unhold');
}

describe("apt's holds on a real host", () => {
  beforeAll(async () => {
    await hosts.sh(H, SETUP);
  }, 120_000);

  it('answer as apt-mark showhold does for every package, per name without its architecture', async () => {
    const showhold = new Set((await hosts.sh(H, 'apt-mark showhold')).split('\n').filter(Boolean).map((l) => l.replace(/:[a-z0-9]+$/, '')));
    const perModule = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await heldPerModule(n)] as const)));
    expect(perModule).toEqual(Object.fromEntries(NAMES.map((n) => [n, showhold.has(n)])));
    // The cases are what they should be: a test that cannot tell held from not held proves nothing.
    expect(NAMES.filter((n) => perModule[n])).toEqual(['mbh-apt-mark', 'mbh-selection', 'mbh-arch-all', 'mbh-foreign', 'mbh-native', 'mbh-both', 'mbh-removed']);
  }, 120_000);

  it('after the module holds and unholds a multi-arch package installed in two architectures, both still answer alike', async () => {
    const agree = async (name: string) => {
      const listed = (await hosts.sh(H, 'apt-mark showhold')).split('\n').some((l) => l.replace(/:[a-z0-9]+$/, '') === name);
      expect(await heldPerModule(name)).toBe(listed);
      return listed;
    };
    expect(await agree('mbh-free-ma')).toBe(false);
    await proveIdempotent(apt, t(), { name: 'mbh-free-ma', hold: true }, async () => {
      expect(await agree('mbh-free-ma')).toBe(true);
    });
    await proveIdempotent(apt, t(), { name: 'mbh-free-ma', hold: false }, async () => {
      expect(await agree('mbh-free-ma')).toBe(false);
    });
  }, 120_000);

  /** What apt-mark showhold lists for the name, with the architecture where it prints one. */
  const showholdOf = async (name: string) => (await hosts.sh(H, 'apt-mark showhold')).split('\n').filter((l) => l.replace(/:[a-z0-9]+$/, '') === name);
  /** Every architecture's selection of the mbh- packages: the hold state a check must leave as it was. */
  const selections = () => hosts.sh(H, "dpkg --get-selections 'mbh-*'");
  const architectures = async () => {
    const native = (await hosts.sh(H, 'dpkg --print-architecture')).trim();
    return { native, foreign: native === 'i386' ? 'amd64' : 'i386' };
  };

  it('unholds a name held only in a foreign architecture, and one held in both, by each held entry: check mode touches nothing, apply, re-apply no change', async () => {
    const { native, foreign } = await architectures();
    expect(await showholdOf('mbh-foreign')).toEqual([`mbh-foreign:${foreign}`]);
    expect(await showholdOf('mbh-both')).toEqual(['mbh-both', `mbh-both:${foreign}`]);
    for (const name of ['mbh-foreign', 'mbh-both']) {
      const checked = await proveCheckMode(apt, t(), { name, hold: false }, selections);
      expect(checked.changes.map((c) => c.kind)).toEqual(['apt.unhold']);
      await proveIdempotent(apt, t(), { name, hold: false }, async () => {
        expect(await showholdOf(name)).toEqual([]);
        // Unheld, not removed: both architectures still installed, selected for install.
        expect((await hosts.sh(H, `dpkg --get-selections ${name}`)).split('\n').filter(Boolean).map((l) => l.split(/\s+/))).toEqual([
          [`${name}:${native}`, 'install'],
          [`${name}:${foreign}`, 'install'],
        ]);
      });
    }
  }, 120_000);

  it('holds a named architecture as named, and unholds it by the name alone', async () => {
    const { foreign } = await architectures();
    const name = `mbh-free-ma:${foreign}`;
    expect(await showholdOf('mbh-free-ma')).toEqual([]);
    await proveCheckMode(apt, t(), { name, hold: true }, selections);
    await proveIdempotent(apt, t(), { name, hold: true }, async () => {
      expect(await showholdOf('mbh-free-ma')).toEqual([name]);
    });
    await proveCheckMode(apt, t(), { name: 'mbh-free-ma', hold: false }, selections);
    await proveIdempotent(apt, t(), { name: 'mbh-free-ma', hold: false }, async () => {
      expect(await showholdOf('mbh-free-ma')).toEqual([]);
    });
  }, 120_000);

  /** dpkg's selection and status of each entry of a name, as `entry want status` lines. */
  const states = async (name: string) => (await hosts.sh(H, `dpkg-query -W -f='\${binary:Package} \${Status}\\n' ${name}`)).trim().split('\n').map((l) => l.replace(' ok ', ' ')).sort();

  it('unholds a held package removed with its conffiles left (rc), where apt-mark unhold exits 100: back to deinstall, as dpkg -r leaves it; check mode touches nothing, apply, re-apply no change', async () => {
    expect(await states('mbh-removed')).toEqual(['mbh-removed hold config-files']);
    expect(await hosts.sh(H, 'apt-mark unhold mbh-removed >/dev/null 2>&1; echo $?')).toBe('100\n');
    const params = { name: 'mbh-removed', state: 'absent', hold: false } as const;
    const checked = await proveCheckMode(apt, t(), params, selections);
    expect(checked.changes.map((c) => c.summary)).toEqual(['unhold mbh-removed']);
    await proveIdempotent(apt, t(), params, async () => {
      expect(await states('mbh-removed')).toEqual(['mbh-removed deinstall config-files']);
      expect(await showholdOf('mbh-removed')).toEqual([]);
    });
  }, 120_000);

  it('unholds each architecture of a removed multi-arch package by its own entry', async () => {
    const { native, foreign } = await architectures();
    expect(await states('mbh-removed-ma')).toEqual([`mbh-removed-ma:${foreign} hold config-files`, `mbh-removed-ma:${native} hold config-files`].sort());
    const params = { name: 'mbh-removed-ma', state: 'absent', hold: false } as const;
    await proveCheckMode(apt, t(), params, selections);
    await proveIdempotent(apt, t(), params, async () => {
      expect(await states('mbh-removed-ma')).toEqual([`mbh-removed-ma:${foreign} deinstall config-files`, `mbh-removed-ma:${native} deinstall config-files`].sort());
    });
  }, 120_000);

  it('holds a removed package that stays removed (apt-mark hold exits 100 there), as dpkg_selections does: check mode, apply, re-apply; a name in several architectures must name one', async () => {
    expect(await states('mbh-removed-free')).toEqual(['mbh-removed-free deinstall config-files']);
    expect(await hosts.sh(H, 'apt-mark hold mbh-removed-free >/dev/null 2>&1; echo $?')).toBe('100\n');
    const params = { name: 'mbh-removed-free', state: 'absent', hold: true } as const;
    await proveCheckMode(apt, t(), params, selections);
    await proveIdempotent(apt, t(), params, async () => {
      expect(await states('mbh-removed-free')).toEqual(['mbh-removed-free hold config-files']);
      expect(await showholdOf('mbh-removed-free')).toEqual(['mbh-removed-free']);
    });
    const before = await selections();
    await expect(apt.run(t(), { name: 'mbh-removed-ma', state: 'absent', hold: true })).rejects.toThrow(/dpkg knows mbh-removed-ma in several architectures/);
    expect(await selections()).toBe(before);
    const { foreign } = await architectures();
    await proveIdempotent(apt, t(), { name: `mbh-removed-ma:${foreign}`, state: 'absent', hold: true }, async () => {
      expect(await showholdOf('mbh-removed-ma')).toEqual([`mbh-removed-ma:${foreign}`]);
    });
  }, 120_000);

  it('removes an installed package and holds it in one task: check mode touches nothing, apply, re-apply no change', async () => {
    expect(await states('mbh-free')).toEqual(['mbh-free install installed']);
    const params = { name: 'mbh-free', state: 'absent', hold: true } as const;
    const checked = await proveCheckMode(apt, t(), params, async () => `${await selections()}${await states('mbh-free')}`);
    expect(checked.changes.map((c) => c.kind)).toEqual(['apt.remove', 'apt.hold']);
    await proveIdempotent(apt, t(), params, async () => {
      expect(await states('mbh-free')).toEqual(['mbh-free hold config-files']);
    });
  }, 120_000);

  it('hold: true, state absent, on a package dpkg does not know: fails naming the fix, in check mode too, and changes nothing', async () => {
    const before = await selections();
    for (const check of [true, false]) {
      await expect(apt.run(t(), { name: 'mbh-never-known', state: 'absent', hold: true }, { check })).rejects.toThrow(
        'apt: mbh-never-known: hold: true with state: absent, but dpkg does not know mbh-never-known (never installed here): there is nothing to hold',
      );
    }
    expect(await selections()).toBe(before);
  }, 120_000);
});
