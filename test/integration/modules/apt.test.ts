import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { apt } from '@meshbook/modules';
import { lockHolderCommand } from '../../../packages/modules/src/lib/apt-get.js';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

// Installs one tiny package (sl) from Debian's mirror: the only network this test uses.
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const pkg = () => hosts.sh(H, "dpkg-query -W -f='${Status} ${Version}\\n' sl 2>&1 || true");

describe('apt on a real host', () => {
  it('bad params fail before the host is touched', async () => {
    await proveBadParams(apt, t(), { name: 'sl; reboot' }, /apt\.name/);
    await proveBadParams(apt, t(), { name: 'sl=1.0', state: 'latest' }, /apt\.name: a pinned version/);
  });

  it('check mode on a fresh host reports refresh + install and changes nothing', async () => {
    const snapshot = async () => `${await pkg()}${await hosts.sh(H, 'ls /var/lib/apt/lists | wc -l; ls /var/lib/apt/periodic 2>&1 || true')}`;
    const result = await proveCheckMode(apt, t(), { name: 'sl', updateCache: true }, snapshot);
    expect(result.changes.map((c) => `${c.kind} ${c.target}`)).toEqual(['apt.update apt cache', 'apt.install sl']);
  });

  it('refreshes the cache and installs (progress streamed), then nothing; gather is one round trip', async () => {
    const progress: string[] = [];
    const params = { name: 'sl', updateCache: true, cacheValidTime: 3600 };
    await proveIdempotent(
      apt,
      t(),
      params,
      async () => {
        expect(await pkg()).toMatch(/^install ok installed \S+\n$/);
        expect(await hosts.sh(H, 'test -e /var/lib/apt/periodic/update-success-stamp && echo stamped')).toBe('stamped\n');
      },
      { onProgress: (line) => progress.push(line) },
    );
    expect(progress.some((l) => l.startsWith('Setting up sl'))).toBe(true);
    await proveOneRoundTrip(apt, t(), params);
  }, 240_000);

  it('hold: held with apt-mark, still counts as installed, then nothing; unhold shows a diff', async () => {
    await proveIdempotent(apt, t(), { name: 'sl', hold: true }, async () => {
      expect(await hosts.sh(H, 'apt-mark showhold')).toBe('sl\n');
      expect(await pkg()).toMatch(/^hold ok installed /);
    });
    const diff = await applyWithDiff(apt, t(), { name: 'sl', hold: false });
    expect(diff).toContain('# sl: unhold sl\n- held\n+ not held');
    expect(await hosts.sh(H, 'apt-mark showhold')).toBe('');
  });

  it('a held dpkg lock: waits lockTimeoutSeconds, then fails naming the lock and its holder', async () => {
    // apt locks with fcntl, so flock(1) would not block it; python's lockf takes the same kind of lock.
    await hosts.sh(
      H,
      `rm -f /run/mb-dpkg-locked; systemd-run --unit=mb-dpkg-lock python3 -c 'import fcntl, time; f = open("/var/lib/dpkg/lock-frontend", "w"); fcntl.lockf(f, fcntl.LOCK_EX); open("/run/mb-dpkg-locked", "w").close(); time.sleep(120)'`,
    );
    // The holder says when it holds the lock: no fixed pause that a loaded machine may outlast.
    while ((await hosts.sh(H, 'test -e /run/mb-dpkg-locked && echo held || true')) !== 'held\n') await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      const started = Date.now();
      const error = await apt.run(t(), { name: 'sl', state: 'absent', lockTimeoutSeconds: 3 }).catch((e: unknown) => e);
      const waited = Date.now() - started;
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).code).toBe('HOST_LOCKED');
      expect((error as MeshbookError).message).toMatch(/the apt\/dpkg lock \/var\/lib\/dpkg\/lock-frontend is held by process \d+ \(python3\); gave up after waiting 3 s/);
      // The holder sleeps 120 s: only the lock timeout ends the wait (the message above says so).
      expect(waited).toBeGreaterThanOrEqual(3000);
      // What the module asks the host when apt's output names no holder (a wait ended before apt's
      // waiting line): the holder from /proc/locks.
      expect(await hosts.sh(H, lockHolderCommand('/var/lib/dpkg/lock-frontend').text)).toMatch(/^process \d+ \(python3\)$/);
      // No wait at all: apt's own error names the holder.
      const unwaited = await apt.run(t(), { name: 'sl', state: 'absent', lockTimeoutSeconds: 0 }).catch((e: unknown) => e);
      expect((unwaited as MeshbookError).message).toMatch(/the apt\/dpkg lock \/var\/lib\/dpkg\/lock-frontend is held by process \d+ \(python3\); gave up after waiting 0 s/);
      expect(await pkg()).toMatch(/^install ok installed /);
    } finally {
      await hosts.sh(H, 'systemctl stop mb-dpkg-lock || true; rm -f /run/mb-dpkg-locked');
    }
  });

  it('absent: removed, then nothing', async () => {
    await proveIdempotent(apt, t(), { name: 'sl', state: 'absent' }, async () => {
      expect(await pkg()).toMatch(/^deinstall ok config-files|^unknown ok not-installed|no packages found/);
    });
  });
});
