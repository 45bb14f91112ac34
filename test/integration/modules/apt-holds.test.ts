import { beforeAll, describe, expect, it } from 'vitest';
import { apt } from '@meshbook/modules';
import { proveIdempotent, useHosts } from '../support/prove.js';

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
  $(mk mbh-native "$native" same) $(mk mbh-native "$foreign" same) \\
  $(mk mbh-removed "$native") $(mk mbh-free "$native") $(mk mbh-free-ma "$native" same) $(mk mbh-free-ma "$foreign" same) >/dev/null
dpkg -r mbh-removed >/dev/null
apt-mark hold mbh-apt-mark mbh-arch-all "mbh-foreign:$foreign" "mbh-native:$native" >/dev/null
printf '%s hold\\n' mbh-selection mbh-removed | dpkg --set-selections
dpkg-query -W -f='\${Status}\\n' mbh-removed | grep -qx 'hold ok config-files'`;

const NAMES = ['mbh-apt-mark', 'mbh-selection', 'mbh-arch-all', 'mbh-foreign', 'mbh-native', 'mbh-removed', 'mbh-free', 'mbh-free-ma', 'mbh-never-known'];

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
    expect(NAMES.filter((n) => perModule[n])).toEqual(['mbh-apt-mark', 'mbh-selection', 'mbh-arch-all', 'mbh-foreign', 'mbh-native', 'mbh-removed']);
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
});
