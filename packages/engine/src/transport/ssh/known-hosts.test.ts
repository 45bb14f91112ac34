import { describe, expect, it } from 'vitest';
import { keyTypeOf, knownHostsName, sha256Fingerprint } from './host-key.js';
import { checkKnownHost, entryMatchesHost, formatKnownHostsLine, knownKeyTypes, parseKnownHosts } from './known-hosts.js';

// A real host key and what `ssh-keygen -lf` prints for it.
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIImq/F33E/jgbaKhnzkZ1efZv49sVd7eSJYu3TunW+IJ';
const ED25519_FINGERPRINT = 'SHA256:5x7x83PPSSjCJOcJnkZs1htl7oBMOgedAcOKupSPo7k';
const OTHER_ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIJ3lL1xJ9dD6yAnUq8l3Xb0L5O1vq7m9w4b8E0f3gS2Q';
const key = Buffer.from(ED25519, 'base64');
const otherKey = Buffer.from(OTHER_ED25519, 'base64');

describe('host key helpers', () => {
  it('formats fingerprints as OpenSSH does: SHA256: and unpadded base64', () => {
    expect(sha256Fingerprint(key)).toBe(ED25519_FINGERPRINT);
    expect(sha256Fingerprint(key)).not.toMatch(/=$/);
  });

  it('reads the key type from the blob', () => {
    expect(keyTypeOf(key)).toBe('ssh-ed25519');
    expect(keyTypeOf(Buffer.from([0, 0, 0, 99, 1]))).toBe('unknown');
  });

  it('names hosts bare on port 22 and [host]:port otherwise', () => {
    expect(knownHostsName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });
});

describe('known_hosts', () => {
  it('matches plain entries, with several names and the [host]:port form', () => {
    const entries = parseKnownHosts(`# comment\n\nweb,10.0.0.5 ssh-ed25519 ${ED25519} root@web\n[127.0.0.1]:2222 ssh-ed25519 ${ED25519}\n`);
    expect(entries).toHaveLength(2);
    expect(checkKnownHost(entries, '10.0.0.5', 'ssh-ed25519', key)).toEqual({ status: 'match', line: 3 });
    expect(checkKnownHost(entries, '[127.0.0.1]:2222', 'ssh-ed25519', key)).toEqual({ status: 'match', line: 4 });
    // The same address on another port is another host.
    expect(checkKnownHost(entries, '[127.0.0.1]:2223', 'ssh-ed25519', key).status).toBe('unknown');
    expect(checkKnownHost(entries, '127.0.0.1', 'ssh-ed25519', key).status).toBe('unknown');
  });

  it('matches hashed entries written by ssh-keygen -H', () => {
    const entries = parseKnownHosts(
      `|1|IKaiYOKkyIapPf6pMKlhbq1eRYk=|kvFwayRYoyYNhMNONm+XsnUx5ac= ssh-ed25519 ${ED25519}\n|1|Aq7igApLUhevWN9x5fjbemKZYn8=|p/F38dG1b97C8gQCHk0ql9kpsIY= ssh-ed25519 ${ED25519}\n`,
    );
    expect(checkKnownHost(entries, '[127.0.0.1]:2222', 'ssh-ed25519', key)).toEqual({ status: 'match', line: 1 });
    expect(checkKnownHost(entries, 'web.example.com', 'ssh-ed25519', key)).toEqual({ status: 'match', line: 2 });
    expect(checkKnownHost(entries, 'other.example.com', 'ssh-ed25519', key).status).toBe('unknown');
  });

  it('matches a hashed entry whatever the case of the address, as OpenSSH does (it hashes the name lower-cased) (issue 19, item 10)', () => {
    const entries = parseKnownHosts(`|1|Aq7igApLUhevWN9x5fjbemKZYn8=|p/F38dG1b97C8gQCHk0ql9kpsIY= ssh-ed25519 ${ED25519}\n`);
    expect(checkKnownHost(entries, 'Web.Example.COM', 'ssh-ed25519', key)).toEqual({ status: 'match', line: 1 });
  });

  it('reports a different key of the same type as a mismatch, with the lines', () => {
    const entries = parseKnownHosts(`[127.0.0.1]:2222 ssh-ed25519 ${OTHER_ED25519}\n`);
    expect(checkKnownHost(entries, '[127.0.0.1]:2222', 'ssh-ed25519', key)).toEqual({ status: 'mismatch', lines: [1] });
  });

  it('says which other key types are known when only those are', () => {
    const entries = parseKnownHosts(`web ecdsa-sha2-nistp256 AAAAE2VjZHNh\n`);
    expect(checkKnownHost(entries, 'web', 'ssh-ed25519', key)).toEqual({ status: 'unknown', otherKeyTypes: ['ecdsa-sha2-nistp256'], certAuthorityLines: [] });
    expect(knownKeyTypes(entries, 'web')).toEqual(['ecdsa-sha2-nistp256']);
  });

  it('honours @revoked for any host and ignores @cert-authority lines for plain keys', () => {
    const entries = parseKnownHosts(`@revoked * ssh-ed25519 ${ED25519}\nweb ssh-ed25519 ${ED25519}\n@cert-authority *.example.com ssh-ed25519 ${OTHER_ED25519}\n@bogus web ssh-ed25519 ${OTHER_ED25519}\n`);
    expect(entries.map((e) => e.marker)).toEqual(['revoked', undefined, 'cert-authority']);
    expect(checkKnownHost(entries, 'web', 'ssh-ed25519', key)).toEqual({ status: 'revoked', line: 1 });
    expect(checkKnownHost(entries, 'db.example.com', 'ssh-ed25519', otherKey).status).toBe('unknown');
  });

  it('supports wildcards and negation in host patterns', () => {
    expect(entryMatchesHost('*.example.com', 'web.example.com')).toBe(true);
    expect(entryMatchesHost('web?', 'web1')).toBe(true);
    expect(entryMatchesHost('*.example.com,!db.example.com', 'db.example.com')).toBe(false);
    expect(entryMatchesHost('WEB', 'web')).toBe(true);
    expect(entryMatchesHost('[127.0.0.1]:2222', '[127.0.0.1]:2222')).toBe(true);
    expect(entryMatchesHost('127.0.0.1', '[127.0.0.1]:2222')).toBe(false);
  });

  it('skips lines it cannot read', () => {
    expect(parseKnownHosts('garbage\nweb ssh-ed25519\nweb ssh-ed25519 !!notbase64\n')).toEqual([]);
  });

  it('writes lines that read back as a match', () => {
    const line = formatKnownHostsLine('[127.0.0.1]:2222', 'ssh-ed25519', key);
    expect(line).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${ED25519}`);
    expect(checkKnownHost(parseKnownHosts(line), '[127.0.0.1]:2222', 'ssh-ed25519', key).status).toBe('match');
  });
});
