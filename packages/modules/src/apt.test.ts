import { describe, expect, it } from 'vitest';
import { sh } from '@meshbook/engine';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { apt, parseAptCachePolicy, parseDpkgQuery, parsePackageSpec, parseSimulatedUpgrade } from './apt.js';
import type { AptFacts } from './apt.js';
import { aptFailure, parseAptLockError } from './lib/apt-get.js';

const facts = (over: Partial<AptFacts> = {}): AptFacts => ({ packages: {}, candidates: {}, cacheAge: null, upgrades: [], ...over });
const installed = (version: string, want = 'install', heldEntries = want === 'hold' ? ['pkg'] : []) => ({
  want,
  status: 'installed',
  version,
  held: heldEntries.length > 0,
  heldEntries,
  entries: (heldEntries.length > 0 ? heldEntries : ['pkg']).map((name) => ({ name, status: 'installed' })),
});
/** Removed with its conffiles left (dpkg's `rc`), held or not, in the given entries. */
const removed = (entries: string[], want: 'hold' | 'deinstall') => ({
  want,
  status: 'config-files',
  version: '1.0',
  held: want === 'hold',
  heldEntries: want === 'hold' ? entries : [],
  entries: entries.map((name) => ({ name, status: 'config-files' })),
});

describePlanFixtures(
  apt,
  [
    {
      name: 'missing packages: one install change each (applied as one apt-get install)',
      params: { name: ['jq', 'curl'] },
      facts: facts({ packages: { curl: installed('7.88.1') } }),
      changes: [{ kind: 'apt.install', target: 'jq', summary: 'install jq', before: null, after: 'jq' }],
    },
    { name: 'installed: nothing', params: { name: 'jq' }, facts: facts({ packages: { jq: installed('1.6') } }), changes: [] },
    { name: 'a held package counts as installed', params: { name: 'kubelet' }, facts: facts({ packages: { kubelet: installed('1.30.2-1.1', 'hold') } }), changes: [] },
    {
      name: 'removed with config files left is not installed',
      params: { name: 'jq' },
      facts: facts({ packages: { jq: { want: 'deinstall', status: 'config-files', version: '1.6', held: false, heldEntries: [] } } }),
      changes: [{ kind: 'apt.install', target: 'jq' }],
    },
    {
      name: 'pinned version differs: install pkg=version',
      params: { name: 'kubelet=1.30.3-1.1' },
      facts: facts({ packages: { kubelet: installed('1.30.2-1.1') } }),
      changes: [{ kind: 'apt.install', target: 'kubelet', summary: 'kubelet: 1.30.2-1.1 → 1.30.3-1.1', after: 'kubelet=1.30.3-1.1' }],
    },
    { name: 'pinned version installed: nothing', params: { name: 'kubelet=1.30.2-1.1' }, facts: facts({ packages: { kubelet: installed('1.30.2-1.1') } }), changes: [] },
    {
      name: 'latest: candidate newer',
      params: { name: 'jq', state: 'latest' },
      facts: facts({ packages: { jq: installed('1.6-2.1+deb12u1') }, candidates: { jq: '1.6-2.1+deb12u3' } }),
      changes: [{ kind: 'apt.install', target: 'jq', summary: 'jq: 1.6-2.1+deb12u1 → 1.6-2.1+deb12u3' }],
    },
    { name: 'latest: at the candidate', params: { name: 'jq', state: 'latest' }, facts: facts({ packages: { jq: installed('1.6') }, candidates: { jq: '1.6' } }), changes: [] },
    {
      name: 'latest after a cache refresh: decided by apt after the refresh',
      params: { name: 'jq', state: 'latest', updateCache: true },
      facts: facts({ packages: { jq: installed('1.6') }, candidates: { jq: '1.6' }, cacheAge: null }),
      changes: [{ kind: 'apt.update', target: 'apt cache' }, { kind: 'apt.install', target: 'jq', summary: 'jq: 1.6 → newest candidate after the cache refresh' }],
    },
    {
      name: 'updateCache: never refreshed',
      params: { name: 'jq', updateCache: true },
      facts: facts({ packages: { jq: installed('1.6') }, cacheAge: null }),
      changes: [{ kind: 'apt.update', target: 'apt cache', summary: 'apt-get update (never refreshed; valid for 3600 s)' }],
    },
    { name: 'updateCache: refreshed recently', params: { name: 'jq', updateCache: true, cacheValidTime: 600 }, facts: facts({ packages: { jq: installed('1.6') }, cacheAge: 30 }), changes: [] },
    { name: 'updateCache: too old', params: { updateCache: true, cacheValidTime: 600 }, facts: facts({ cacheAge: 601 }), changes: [{ kind: 'apt.update', target: 'apt cache' }] },
    { name: 'absent: installed is removed', params: { name: 'jq', state: 'absent' }, facts: facts({ packages: { jq: installed('1.6') } }), changes: [{ kind: 'apt.remove', target: 'jq', summary: 'remove jq 1.6' }] },
    { name: 'absent: config files only, no purge: nothing', params: { name: 'jq', state: 'absent' }, facts: facts({ packages: { jq: { ...removed(['jq'], 'deinstall'), version: '1.6' } } }), changes: [] },
    { name: 'absent + purge: config files are purged', params: { name: 'jq', state: 'absent', purge: true }, facts: facts({ packages: { jq: { ...removed(['jq'], 'deinstall'), version: '1.6' } } }), changes: [{ kind: 'apt.remove', target: 'jq', summary: 'purge jq 1.6' }] },
    { name: 'absent: unknown to dpkg: nothing', params: { name: 'jq', state: 'absent' }, facts: facts(), changes: [] },
    {
      name: 'hold: installed, not held',
      params: { name: ['kubelet', 'kubeadm'], hold: true },
      facts: facts({ packages: { kubelet: installed('1.30.2'), kubeadm: installed('1.30.2', 'hold') } }),
      changes: [{ kind: 'apt.hold', target: 'kubelet', before: 'not held', after: 'held' }],
    },
    {
      name: 'hold: missing package is installed, then held',
      params: { name: 'kubelet', hold: true },
      facts: facts(),
      changes: [{ kind: 'apt.install', target: 'kubelet' }, { kind: 'apt.hold', target: 'kubelet' }],
    },
    {
      name: 'hold false: held package is unheld, selected for install again',
      params: { name: 'jq', hold: false },
      facts: facts({ packages: { jq: installed('1.6', 'hold', ['jq']) } }),
      changes: [{ kind: 'apt.unhold', target: 'jq', summary: 'unhold jq', payload: { entries: [{ entry: 'jq', selection: 'install' }] } }],
    },
    {
      name: 'hold false: a held package removed with its conffiles left (rc) goes back to deinstall, as dpkg -r leaves it',
      params: { name: 'jq', state: 'absent', hold: false },
      facts: facts({ packages: { jq: removed(['jq'], 'hold') } }),
      changes: [{ kind: 'apt.unhold', target: 'jq', summary: 'unhold jq', payload: { entries: [{ entry: 'jq', selection: 'deinstall' }] } }],
    },
    {
      name: 'hold false, state present on a held rc package: unheld (deinstall), then installed',
      params: { name: 'jq', hold: false },
      facts: facts({ packages: { jq: removed(['jq'], 'hold') } }),
      changes: [{ kind: 'apt.install', target: 'jq' }, { kind: 'apt.unhold', target: 'jq', payload: { entries: [{ entry: 'jq', selection: 'deinstall' }] } }],
    },
    {
      name: 'hold: true on an rc package that stays removed is held by its dpkg entry (apt-mark cannot)',
      params: { name: 'jq', state: 'absent', hold: true },
      facts: facts({ packages: { jq: removed(['jq'], 'deinstall') } }),
      changes: [{ kind: 'apt.hold', target: 'jq', summary: 'hold jq', payload: { name: 'jq', entries: ['jq'] } }],
    },
    {
      name: 'hold: true on an installed package being removed: held by its entry after the removal',
      params: { name: 'jq', state: 'absent', hold: true },
      facts: facts({ packages: { jq: installed('1.6', 'install', []) } }),
      changes: [{ kind: 'apt.remove', target: 'jq' }, { kind: 'apt.hold', target: 'jq', payload: { name: 'jq', entries: ['pkg'] } }],
    },
    {
      name: 'hold: true on an rc package, a named architecture: held as named',
      params: { name: 'libfoo:i386', state: 'absent', hold: true },
      facts: facts({ packages: { libfoo: removed(['libfoo:amd64', 'libfoo:i386'], 'deinstall') } }),
      changes: [{ kind: 'apt.hold', target: 'libfoo:i386', payload: { entries: ['libfoo:i386'] } }],
    },
    {
      name: 'hold: true, state present, on an rc package: installed, then held by apt-mark',
      params: { name: 'jq', hold: true },
      facts: facts({ packages: { jq: removed(['jq'], 'deinstall') } }),
      changes: [{ kind: 'apt.install', target: 'jq' }, { kind: 'apt.hold', target: 'jq', payload: { name: 'jq', entries: null } }],
    },
    {
      name: 'hold false: each held architecture of a multi-arch name is unheld by its own entry',
      params: { name: 'libfoo', hold: false },
      facts: facts({ packages: { libfoo: installed('1.0', 'install', ['libfoo:i386', 'libfoo:arm64']) } }),
      changes: [
        {
          kind: 'apt.unhold',
          target: 'libfoo',
          summary: 'unhold libfoo:i386, libfoo:arm64',
          payload: { entries: [{ entry: 'libfoo:i386', selection: 'install' }, { entry: 'libfoo:arm64', selection: 'install' }] },
        },
      ],
    },
    {
      name: 'hold: a named architecture is held as named',
      params: { name: 'libfoo:i386', hold: true },
      facts: facts({ packages: { libfoo: installed('1.0') } }),
      changes: [{ kind: 'apt.hold', target: 'libfoo:i386', summary: 'hold libfoo:i386', payload: { name: 'libfoo:i386' } }],
    },
    {
      name: 'upgrade safe: pending upgrades',
      params: { upgrade: 'safe' },
      facts: facts({ upgrades: ['curl', 'libcurl4'] }),
      changes: [{ kind: 'apt.upgrade', target: 'packages', summary: 'safe upgrade of 2 package(s): curl, libcurl4' }],
    },
    { name: 'upgrade full: nothing pending', params: { upgrade: 'full' }, facts: facts(), changes: [] },
    {
      name: 'upgrade after a refresh is decided after it',
      params: { upgrade: 'safe', updateCache: true },
      facts: facts({ cacheAge: null }),
      changes: [{ kind: 'apt.update', target: 'apt cache' }, { kind: 'apt.upgrade', target: 'packages', summary: 'safe upgrade after the cache refresh (0 pending before it)' }],
    },
    { name: 'name:arch matches dpkg by base name', params: { name: 'libc6:amd64' }, facts: facts({ packages: { libc6: installed('2.36') } }), changes: [] },
  ],
  [
    { name: 'nothing to do', params: {}, error: /apt\.name: give package names, updateCache or upgrade/ },
    { name: 'a pin with latest', params: { name: 'jq=1.6', state: 'latest' }, error: /apt\.name: a pinned version/ },
    { name: 'a package name with a blank', params: { name: 'jq curl' }, error: /apt\.name/ },
    { name: 'shell metacharacters', params: { name: ['jq;reboot'] }, error: /apt\.name\[0\]/ },
    { name: 'a negative cacheValidTime', params: { updateCache: true, cacheValidTime: -1 }, error: /apt\.cacheValidTime/ },
    { name: 'hold without names', params: { updateCache: true, hold: true }, error: /apt\.hold: needs package names/ },
    { name: 'hold with purge', params: { name: 'jq', state: 'absent', purge: true, hold: true }, error: /apt\.hold: a purged package leaves dpkg's database/ },
    { name: 'a bad upgrade kind', params: { upgrade: 'dist' }, error: /apt\.upgrade/ },
  ],
);

describe('apt parsing', () => {
  it('dpkg-query: known lines, held, config-files; unknown names print nothing', () => {
    const out = 'jq jq install ok installed 1.6-2.1+deb12u1\nkubelet kubelet hold ok installed 1.30.2-1.1\nsl sl deinstall ok config-files 5.02-1\nfoo foo unknown ok not-installed \n';
    expect(parseDpkgQuery(out)).toEqual({
      jq: { want: 'install', status: 'installed', version: '1.6-2.1+deb12u1', held: false, heldEntries: [], entries: [{ name: 'jq', status: 'installed' }] },
      kubelet: { want: 'hold', status: 'installed', version: '1.30.2-1.1', held: true, heldEntries: ['kubelet'], entries: [{ name: 'kubelet', status: 'installed' }] },
      sl: { want: 'deinstall', status: 'config-files', version: '5.02-1', held: false, heldEntries: [], entries: [{ name: 'sl', status: 'config-files' }] },
      foo: { want: 'unknown', status: 'not-installed', version: '', held: false, heldEntries: [], entries: [{ name: 'foo', status: 'not-installed' }] },
    });
  });
  it('dpkg-query: a multi-arch name is held when any of its architectures is (as apt-mark showhold lists it), each held entry by its own name', () => {
    // libfoo:amd64 installed, libfoo:i386 held and installed; libbar:i386 held but not installed, libbar:amd64 installed;
    // libqux held in both.
    const out = [
      'libfoo libfoo:amd64 install ok installed 1.0',
      'libfoo libfoo:i386 hold ok installed 1.0',
      'libbar libbar:i386 hold ok not-installed ',
      'libbar libbar:amd64 install ok installed 2.0',
      'libbaz libbaz:amd64 install ok installed 3.0',
      'libbaz libbaz:i386 install ok installed 3.0',
      'libqux libqux:amd64 hold ok installed 4.0',
      'libqux libqux:i386 hold ok installed 4.0',
      '',
    ].join('\n');
    expect(parseDpkgQuery(out)).toMatchObject({
      libfoo: { want: 'install', status: 'installed', version: '1.0', held: true, heldEntries: ['libfoo:i386'] },
      libbar: { want: 'install', status: 'installed', version: '2.0', held: true, heldEntries: ['libbar:i386'] },
      libbaz: { want: 'install', status: 'installed', version: '3.0', held: false, heldEntries: [] },
      libqux: { want: 'hold', status: 'installed', version: '4.0', held: true, heldEntries: ['libqux:amd64', 'libqux:i386'] },
    });
  });
  it('dpkg-query: every entry of a multi-arch name with its own status (what an unhold selects it back to)', () => {
    const out = 'libbar libbar:i386 hold ok config-files 2.0\nlibbar libbar:amd64 install ok installed 2.0\n';
    expect(parseDpkgQuery(out)['libbar']?.entries).toEqual([
      { name: 'libbar:i386', status: 'config-files' },
      { name: 'libbar:amd64', status: 'installed' },
    ]);
  });
  it('apt plan: hold: true with state absent fails, naming the fix, where there is nothing dpkg could hold', () => {
    const plan = (params: unknown, packages: AptFacts['packages']) => () => apt.definition.plan(facts({ packages }), apt.parse(params));
    expect(plan({ name: 'jq', state: 'absent', hold: true }, {})).toThrow("apt: jq: hold: true with state: absent, but dpkg does not know jq (never installed here): there is nothing to hold");
    expect(plan({ name: 'libfoo', state: 'absent', hold: true }, { libfoo: removed(['libfoo:amd64', 'libfoo:i386'], 'deinstall') })).toThrow(
      'apt: libfoo: hold: true with state: absent: dpkg knows libfoo in several architectures (libfoo:amd64, libfoo:i386)',
    );
  });
  it('apt-cache policy candidates', () => {
    const out = 'curl:\n  Installed: 7.88.1-10+deb12u14\n  Candidate: 7.88.1-10+deb12u15\n  Version table:\nnope:\n  Installed: (none)\n  Candidate: (none)\n';
    expect(parseAptCachePolicy(out)).toEqual({ curl: '7.88.1-10+deb12u15', nope: null });
  });
  it('simulated upgrade Inst lines', () => {
    expect(parseSimulatedUpgrade('Reading...\nInst curl [7.88.1-10+deb12u14] (7.88.1-10+deb12u15 Debian:12.12/stable [amd64])\nConf curl (7.88.1)\n')).toEqual(['curl']);
  });
  it('package specs', () => {
    expect(parsePackageSpec('kubelet=1.30.2-1.1')).toEqual({ name: 'kubelet', base: 'kubelet', version: '1.30.2-1.1' });
    expect(parsePackageSpec('libc6:amd64')).toEqual({ name: 'libc6:amd64', base: 'libc6', version: null });
  });
  it('lock errors name the lock and its holder', () => {
    expect(parseAptLockError('E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (apt-get)\nN: Be aware')).toEqual({
      lock: '/var/lib/dpkg/lock-frontend',
      holder: 'process 1234 (apt-get)',
    });
    expect(parseAptLockError('E: Could not get lock /var/lib/apt/lists/lock - open (11: Resource temporarily unavailable)')).toEqual({ lock: '/var/lib/apt/lists/lock', holder: null });
    // With DPkg::Lock::Timeout the holder is only on apt's waiting lines (stdout); stderr names the lock.
    expect(
      parseAptLockError(
        'E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\nWaiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 249 (python3)...',
      ),
    ).toEqual({ lock: '/var/lib/dpkg/lock-frontend', holder: 'process 249 (python3)' });
    expect(parseAptLockError('E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?')).toEqual({
      lock: '/var/lib/dpkg/lock-frontend',
      holder: null,
    });
    expect(parseAptLockError('E: Unable to locate package nope')).toBeNull();
  });
  it('a lock error without a holder in apt\'s output names the holder found on the host, else another process', () => {
    const gaveUp = { exitCode: 100, durationMs: 3000, stdout: '', stderr: 'E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?' };
    const command = sh`apt-get remove sl`;
    expect(aptFailure('h1', command, gaveUp, 3, 'process 249 (python3)').message).toBe(
      'the apt/dpkg lock /var/lib/dpkg/lock-frontend is held by process 249 (python3); gave up after waiting 3 s',
    );
    expect(aptFailure('h1', command, gaveUp, 3).message).toBe('the apt/dpkg lock /var/lib/dpkg/lock-frontend is held by another process; gave up after waiting 3 s');
  });
});
