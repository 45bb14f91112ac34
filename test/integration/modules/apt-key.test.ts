import { describe, expect, it } from 'vitest';
import { aptKey } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';
import { makeSigningKey, serveDirectory } from './fixtures/served-files.js';

// node1 makes signing keys and serves them; node2 installs them as apt keyrings.
const hosts = useHosts(2);
const t = () => hosts.transport('node2');
const KEYRING = '/etc/apt/keyrings/meshbook.gpg';
let base = '';
const prepare = async () => {
  if (base) return;
  base = await serveDirectory(hosts, 'node1');
  await makeSigningKey(hosts, 'node1', 'meshbook');
  await makeSigningKey(hosts, 'node1', 'rotated');
};
const keyringState = () => hosts.sh('node2', `ls -la /etc/apt/keyrings 2>&1; sha256sum ${KEYRING} 2>&1 || true`);

describe('aptKey on a real host', () => {
  it('bad params fail before the host is touched', async () => {
    await proveBadParams(aptKey, t(), { name: 'meshbook' }, /aptKey\.url: give exactly one of url and data/);
    await proveBadParams(aptKey, t(), { name: 'x/../../etc/passwd', data: 'x' }, /aptKey\.name/);
  });

  it('check mode on a fresh host reports the keyring and writes nothing (the temp download is gone)', async () => {
    await prepare();
    const snapshot = async () => `${await keyringState()}${await hosts.sh('node2', 'ls /tmp')}`;
    const result = await proveCheckMode(aptKey, t(), { name: 'meshbook', url: `${base}/meshbook.asc` }, snapshot);
    expect(result.changes.map((c) => c.kind)).toEqual(['apt_key.keyring']);
  });

  it('an armored key from a URL is dearmored (same bytes as gpg --dearmor), then nothing; gather is one round trip', async () => {
    await prepare();
    const params = { name: 'meshbook', url: `${base}/meshbook.asc` };
    await proveIdempotent(aptKey, t(), params, async () => {
      const expected = await hosts.sh('node2', `curl -fsS ${base}/meshbook.asc | gpg --dearmor | sha256sum | cut -d' ' -f1`);
      expect(await hosts.sh('node2', `sha256sum ${KEYRING} | cut -d' ' -f1; stat -c %a ${KEYRING}`)).toBe(`${expected}644\n`);
      // The binary export is the same key: the keyring apt reads equals it byte for byte.
      expect(await hosts.sh('node2', `curl -fsS ${base}/meshbook.gpg | cmp - ${KEYRING} && echo same`)).toBe('same\n');
    });
    await proveOneRoundTrip(aptKey, t(), params);
  });

  it('the same key given as armored data or binary data is the same keyring: no change', async () => {
    await prepare();
    const armored = await hosts.sh('node1', 'cat /srv/www/meshbook.asc');
    expect((await aptKey.run(t(), { name: 'meshbook', data: armored })).changed).toBe(false);
    const binary = Buffer.from(await hosts.sh('node1', 'base64 -w0 /srv/www/meshbook.gpg'), 'base64');
    expect((await aptKey.run(t(), { name: 'meshbook', data: binary })).changed).toBe(false);
  });

  it('another key replaces it (diff shows the checksums)', async () => {
    await prepare();
    const before = (await hosts.sh('node2', `sha256sum ${KEYRING} | cut -d' ' -f1`)).trim();
    const diff = await applyWithDiff(aptKey, t(), { name: 'meshbook', url: `${base}/rotated.asc` });
    const after = (await hosts.sh('node2', `sha256sum ${KEYRING} | cut -d' ' -f1`)).trim();
    expect(after).not.toBe(before);
    expect(diff).toContain(`- sha256:${before}\n+ sha256:${after}`);
  });

  it('a URL that fails, or that is not a key, is a clear error and the keyring stays', async () => {
    await prepare();
    const before = await keyringState();
    await expect(aptKey.run(t(), { name: 'meshbook', url: `${base}/missing.asc` })).rejects.toThrow(`could not get the key from ${base}/missing.asc`);
    await expect(aptKey.run(t(), { name: 'meshbook', url: `${base}/` })).rejects.toThrow('is not an OpenPGP key');
    expect(await keyringState()).toBe(before);
  });

  it('absent: removed, then nothing', async () => {
    await proveIdempotent(aptKey, t(), { name: 'meshbook', state: 'absent' }, async () => {
      expect(await hosts.sh('node2', `test -e ${KEYRING} && echo present || echo absent`)).toBe('absent\n');
    });
  });

  it('a fingerprint is checked before anything is installed: a key that does not match is refused, in check mode too (issue 19, item 13)', async () => {
    await prepare();
    const fingerprintOf = async (file: string) =>
      (await hosts.sh('node2', `export GNUPGHOME=$(mktemp -d); curl -fsS ${base}/${file} | gpg --batch --with-colons --show-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }'; rm -rf "$GNUPGHOME"`)).trim();
    const right = await fingerprintOf('meshbook.asc');
    const other = await fingerprintOf('rotated.asc');
    expect(right).toMatch(/^[0-9A-F]{40}$/);
    await hosts.sh('node2', `rm -f /etc/apt/keyrings/pinned.gpg`);
    for (const check of [true, false]) {
      const error = await aptKey.run(t(), { name: 'pinned', url: `${base}/meshbook.asc`, fingerprint: other }, { check }).catch((e: unknown) => e);
      expect((error as Error).message).toContain(`has fingerprint ${right}, not the ${other} expected`);
    }
    expect(await hosts.sh('node2', 'test -e /etc/apt/keyrings/pinned.gpg && echo present || echo absent')).toBe('absent\n');
    // Spaces and lower case as key listings print them are fine.
    const spaced = right.toLowerCase().replace(/(.{4})/g, '$1 ').trim();
    expect((await aptKey.run(t(), { name: 'pinned', url: `${base}/meshbook.asc`, fingerprint: spaced })).changed).toBe(true);
    expect(await hosts.sh('node2', 'test -e /etc/apt/keyrings/pinned.gpg && echo present || echo absent')).toBe('present\n');
  });

  it('a replaced keyring keeps its owner, group and mode (world-readable ones); one apt cannot read is made readable, nothing else changed (issue 19, items 5 and 7)', async () => {
    await prepare();
    const stat = () => hosts.sh('node2', `stat -c '%a %U:%G' ${KEYRING}`);
    await aptKey.run(t(), { name: 'meshbook', url: `${base}/meshbook.asc` });
    await hosts.sh('node2', `chown nobody:nogroup ${KEYRING} && chmod 0664 ${KEYRING}`);
    // The same key: nothing to do, whatever the (readable) mode.
    expect((await aptKey.run(t(), { name: 'meshbook', url: `${base}/meshbook.asc` })).changed).toBe(false);
    // Another key: new bytes, the file's attributes kept; then converged.
    await proveIdempotent(aptKey, t(), { name: 'meshbook', url: `${base}/rotated.asc` }, async () => {
      expect(await stat()).toBe('664 nobody:nogroup\n');
    });
    // A keyring apt (the _apt user) cannot read is a change: made readable, owner kept; then converged.
    await hosts.sh('node2', `chmod 0600 ${KEYRING}`);
    await proveIdempotent(aptKey, t(), { name: 'meshbook', url: `${base}/rotated.asc` }, async () => {
      expect(await stat()).toBe('644 nobody:nogroup\n');
    });
  });
});
