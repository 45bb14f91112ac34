import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { aptKey, looksLikeOpenPgp } from './apt-key.js';
import { parseFileState, sha256 } from './lib/file-facts.js';

const KEY = Buffer.from([0x99, 0x01, 0x0d, 0x04, 0x65, 0x43]);
const OTHER = Buffer.from([0x99, 0x01, 0x0d, 0x04, 0x00, 0x00]);
const PATH = '/etc/apt/keyrings/docker.gpg';
const FPR = '0123456789ABCDEF0123456789ABCDEF01234567';
const keyring = (bytes: Buffer | null, mode = '644') =>
  parseFileState(PATH, bytes === null ? 'absent\n' : `stat regular file|${mode}|root|root|${bytes.length}|0|0\nsha256 ${sha256(bytes)}\n`);
const URL = 'http://172.17.0.2:8000/docker.asc';

describePlanFixtures(
  aptKey,
  [
    {
      name: 'keyring missing: install',
      params: { name: 'docker', url: URL },
      facts: { keyring: keyring(null), source: { ok: true, bytes: KEY, fingerprints: [FPR] } },
      changes: [{ kind: 'apt_key.keyring', target: PATH, before: null, after: `sha256:${sha256(KEY)}` }],
    },
    { name: 'same bytes: nothing', params: { name: 'docker.gpg', url: URL }, facts: { keyring: keyring(KEY), source: { ok: true, bytes: KEY, fingerprints: [FPR] } }, changes: [] },
    {
      name: 'another key there: replace',
      params: { name: 'docker', data: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n...' },
      facts: { keyring: keyring(OTHER), source: { ok: true, bytes: KEY, fingerprints: [FPR] } },
      changes: [{ kind: 'apt_key.keyring', target: PATH, before: `sha256:${sha256(OTHER)}`, after: `sha256:${sha256(KEY)}` }],
    },
    {
      name: 'same bytes but not world-readable (apt reads as _apt): rewrite',
      params: { name: 'docker', url: URL },
      facts: { keyring: keyring(KEY, '600'), source: { ok: true, bytes: KEY, fingerprints: [FPR] } },
      changes: [{ kind: 'apt_key.keyring', target: PATH, before: `sha256:${sha256(KEY)} mode 0600` }],
    },
    { name: 'absent: remove', params: { name: 'docker', state: 'absent' }, facts: { keyring: keyring(KEY), source: null }, changes: [{ kind: 'apt_key.remove', target: PATH }] },
    { name: 'absent and gone: nothing', params: { name: 'docker', state: 'absent' }, facts: { keyring: keyring(null), source: null }, changes: [] },
  ],
  [
    { name: 'neither url nor data', params: { name: 'docker' }, error: /aptKey\.url: give exactly one of url and data/ },
    { name: 'both url and data', params: { name: 'docker', url: URL, data: 'x' }, error: /exactly one/ },
    { name: 'a non-http URL', params: { name: 'docker', url: 'ftp://x/key' }, error: /aptKey\.url: an http\(s\) URL/ },
    { name: 'a name with a slash', params: { name: '../docker', url: URL }, error: /aptKey\.name/ },
  ],
);

describe('aptKey plan errors', () => {
  it('a download failure names the URL', () => {
    const p = aptKey.parse({ name: 'docker', url: URL });
    expect(() => aptKey.definition.plan({ keyring: keyring(null), source: { ok: false, message: 'downloading failed' } }, p)).toThrow(`could not get the key from ${URL}`);
  });
  it('something that is not a key (an HTML error page) is refused', () => {
    const p = aptKey.parse({ name: 'docker', url: URL });
    expect(() => aptKey.definition.plan({ keyring: keyring(null), source: { ok: true, bytes: Buffer.from('<html>'), fingerprints: [] } }, p)).toThrow('is not an OpenPGP key');
    expect(looksLikeOpenPgp(KEY)).toBe(true);
  });

  it('refuses a key whose fingerprint is not the one given, and accepts it spaced and in lower case (issue 19, item 13)', () => {
    const wrong = aptKey.parse({ name: 'docker', url: URL, fingerprint: 'FFFF'.repeat(10) });
    expect(() => aptKey.definition.plan({ keyring: keyring(null), source: { ok: true, bytes: KEY, fingerprints: [FPR] } }, wrong)).toThrow(/has fingerprint 0123456789ABCDEF0123456789ABCDEF01234567, not the F{40} expected: nothing installed/);
    const spaced = aptKey.parse({ name: 'docker', url: URL, fingerprint: '0123 4567 89ab cdef 0123  4567 89ab cdef 0123 4567' });
    expect(aptKey.definition.plan({ keyring: keyring(null), source: { ok: true, bytes: KEY, fingerprints: [FPR] } }, spaced)).toHaveLength(1);
    expect(() => aptKey.parse({ name: 'docker', url: URL, fingerprint: 'not-hex' })).toThrow(/fingerprint/);
  });
});
