import { beforeAll, describe, expect, it } from 'vitest';
import { apt } from '@meshbook/modules';
import { useHosts } from '../support/prove.js';

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

// name, then how it is left: held by apt-mark or by dpkg's selections, per architecture, or removed while held.
const SETUP = `set -e
native=$(dpkg --print-architecture); foreign=i386; [ "$native" != i386 ] || foreign=amd64
dpkg --add-architecture "$foreign"
mk() { # name arch [multi-arch]
  d=$(mktemp -d); mkdir -p "$d/DEBIAN"
  printf 'Package: %s\\nVersion: 1.0\\nArchitecture: %s\\nMaintainer: meshbook test <test@example.invalid>\\nDescription: hold test\\n' "$1" "$2" > "$d/DEBIAN/control"
  [ -z "$3" ] || printf 'Multi-Arch: %s\\n' "$3" >> "$d/DEBIAN/control"
  dpkg-deb --build "$d" "/tmp/$1_$2.deb" >/dev/null; rm -rf "$d"; echo "/tmp/$1_$2.deb"
}
dpkg -i $(mk mbh-apt-mark "$native") $(mk mbh-selection "$native") $(mk mbh-arch-all all) \\
  $(mk mbh-foreign "$native" same) $(mk mbh-foreign "$foreign" same) \\
  $(mk mbh-native "$native" same) $(mk mbh-native "$foreign" same) \\
  $(mk mbh-removed "$native") $(mk mbh-free "$native") $(mk mbh-free-ma "$native" same) $(mk mbh-free-ma "$foreign" same) >/dev/null
apt-mark hold mbh-apt-mark mbh-arch-all "mbh-foreign:$foreign" "mbh-native:$native" mbh-removed >/dev/null
echo 'mbh-selection hold' | dpkg --set-selections
dpkg --force-hold -r mbh-removed >/dev/null 2>&1`;

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

  it('hold and unhold a multi-arch package held in one architecture: unhold clears it, hold holds every architecture, then nothing', async () => {
    await apt.run(t(), { name: 'mbh-foreign', hold: false });
    expect(await hosts.sh(H, 'apt-mark showhold')).not.toMatch(/^mbh-foreign/m);
    expect(await heldPerModule('mbh-foreign')).toBe(false);
    const held = await apt.run(t(), { name: 'mbh-free-ma', hold: true });
    expect(held.changes.map((c) => c.kind)).toEqual(['apt.hold']);
    expect((await hosts.sh(H, 'apt-mark showhold')).split('\n').filter((l) => l.startsWith('mbh-free-ma'))).toHaveLength(2);
    expect((await apt.run(t(), { name: 'mbh-free-ma', hold: true })).changed).toBe(false);
  }, 120_000);
});
