import { describe, expect, it } from 'vitest';
import { authorizedKey } from './authorized-key.js';
import { parseAuthorizedKeysState } from './authorized-key-facts.js';
import type { AuthorizedKeysFacts } from './authorized-key-facts.js';
import { parseKeyLine, parseKeyOptions, renderOptions } from './lib/authorized-keys.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const ALICE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINUr/fehK1V0NOnOf/UCmCRFDBHyEMcEdyKEPjsmrstS alice@laptop';
const BOB = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpgu7js02B/n82qKxr95O2ZICpSf/INzV10Q4afC+vd bob';
const CAROL = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOzDhpG3Gc8qW5WIFNiuAvaZP0nkLvhOLWBwSpp04N9Gs3NFU+a54gVF02wnkIwFZhzOa2NaK1tSnKJlywuBraQ= carol';
const P = '/home/deploy/.ssh/authorized_keys';
const owner = { uid: 1000, gid: 1000 };
const account = { ...owner, home: '/home/deploy' };
const dir = { type: 'directory' as const, mode: '0700', ...owner };

function facts(text: string | null, over: Partial<AuthorizedKeysFacts> = {}): AuthorizedKeysFacts {
  return { account, path: P, directory: dir, file: text === null ? null : { type: 'file', mode: '0600', ...owner, realPath: P, text }, ...over };
}

describePlanFixtures(
  authorizedKey,
  [
    {
      name: 'fresh user: directory then file, both the user’s',
      params: { user: 'deploy', key: ALICE },
      facts: facts(null, { directory: null }),
      changes: [
        { kind: 'authorizedKey.directory', target: '/home/deploy/.ssh', summary: 'create /home/deploy/.ssh (mode 0700, owner deploy)', payload: { uid: 1000, gid: 1000, path: '/home/deploy/.ssh', create: true } },
        { kind: 'authorizedKey.keys', target: P, summary: 'create, add ssh-ed25519 …PjsmrstS alice@laptop', payload: { path: P, text: `${ALICE}\n`, uid: 1000, gid: 1000, keepAttributes: false } },
      ],
    },
    { name: 'key present: nothing', params: { user: 'deploy', key: ALICE }, facts: facts(`${ALICE}\n`), changes: [] },
    { name: 'key present, given without its comment: the file’s comment is kept', params: { user: 'deploy', key: ALICE.replace(' alice@laptop', '') }, facts: facts(`${ALICE}\n`), changes: [] },
    {
      name: 'several keys as one multi-line string: only the missing one added, at the end',
      params: { user: 'deploy', key: `${ALICE}\n\n# team\n${BOB}\n` },
      facts: facts(`# mine\n${ALICE}\n`),
      changes: [{ kind: 'authorizedKey.keys', target: P, summary: 'add ssh-ed25519 …Q4afC+vd bob', payload: { text: `# mine\n${ALICE}\n${BOB}\n` } }],
    },
    {
      name: 'key_options added to an existing key: updated in place',
      params: { user: 'deploy', key: [ALICE, BOB], key_options: 'no-pty,from=10.0.0.1' },
      facts: facts(`${ALICE}\n${CAROL}\n`),
      changes: [
        {
          kind: 'authorizedKey.keys',
          target: P,
          summary: 'update ssh-ed25519 …PjsmrstS alice@laptop, add ssh-ed25519 …Q4afC+vd bob',
          payload: { text: `no-pty,from="10.0.0.1" ${ALICE}\n${CAROL}\nno-pty,from="10.0.0.1" ${BOB}\n` },
        },
      ],
    },
    {
      name: 'options in the key line are kept; the same options in the file: nothing',
      params: { user: 'deploy', key: `command="/usr/bin/backup --from \\"x\\"",no-pty ${BOB}` },
      facts: facts(`command="/usr/bin/backup --from \\"x\\"",no-pty ${BOB}\n`),
      changes: [],
    },
    {
      name: 'a key without options given: the file’s options are removed',
      params: { user: 'deploy', key: BOB },
      facts: facts(`no-pty ${BOB}\n`),
      changes: [{ kind: 'authorizedKey.keys', target: P, summary: 'update ssh-ed25519 …Q4afC+vd bob', payload: { text: `${BOB}\n` } }],
    },
    {
      name: 'comment param replaces the comment',
      params: { user: 'deploy', key: ALICE, comment: 'alice (2026)' },
      facts: facts(`${ALICE}\n`),
      changes: [{ kind: 'authorizedKey.keys', target: P, payload: { text: `${ALICE.replace('alice@laptop', 'alice (2026)')}\n` } }],
    },
    {
      name: 'exclusive: other keys go, comment lines stay',
      params: { user: 'deploy', key: ALICE, exclusive: true },
      facts: facts(`# keys\n${BOB}\n${ALICE}\n${CAROL}\n`),
      changes: [{ kind: 'authorizedKey.keys', target: P, summary: 'remove ssh-ed25519 …Q4afC+vd bob, remove ecdsa-sha2-nistp256 …ywuBraQ= carol', payload: { text: `# keys\n${ALICE}\n` } }],
    },
    { name: 'exclusive, already only that key: nothing', params: { user: 'deploy', key: ALICE, exclusive: true }, facts: facts(`# keys\n${ALICE}\n`), changes: [] },
    {
      name: 'absent: removed whatever its options and comment',
      params: { user: 'deploy', key: BOB.replace(' bob', ''), state: 'absent' },
      facts: facts(`${ALICE}\nno-pty ${BOB}\n`),
      changes: [{ kind: 'authorizedKey.keys', target: P, summary: 'remove ssh-ed25519 …Q4afC+vd bob', payload: { text: `${ALICE}\n` } }],
    },
    {
      name: 'absent, not there, loose modes: nothing (removing keys fixes nothing else)',
      params: { user: 'deploy', key: BOB, state: 'absent' },
      facts: facts(`${ALICE}\n`, { directory: { ...dir, mode: '0755' }, file: { type: 'file', mode: '0644', ...owner, realPath: P, text: `${ALICE}\n` } }),
      changes: [],
    },
    { name: 'absent, not there: nothing', params: { user: 'deploy', key: BOB, state: 'absent' }, facts: facts(`${ALICE}\n`), changes: [] },
    { name: 'absent, no file: nothing (no directory made)', params: { user: 'deploy', key: BOB, state: 'absent' }, facts: facts(null, { directory: null }), changes: [] },
    {
      name: 'a duplicate of a managed key is removed',
      params: { user: 'deploy', key: ALICE },
      facts: facts(`${ALICE}\n${BOB}\n${ALICE}\n`),
      changes: [{ kind: 'authorizedKey.keys', target: P, summary: 'remove duplicate ssh-ed25519 …PjsmrstS alice@laptop', payload: { text: `${ALICE}\n${BOB}\n` } }],
    },
    {
      name: 'lines that are not keys are kept as they are',
      params: { user: 'deploy', key: BOB },
      facts: facts(`garbage line\n${ALICE}   \n`),
      changes: [{ kind: 'authorizedKey.keys', target: P, payload: { text: `garbage line\n${ALICE}   \n${BOB}\n` } }],
    },
    {
      name: 'manage_dir: a loose directory and file are fixed without a rewrite',
      params: { user: 'deploy', key: ALICE },
      facts: facts(`${ALICE}\n`, { directory: { ...dir, mode: '0755', uid: 0 }, file: { type: 'file', mode: '0644', uid: 0, gid: 0, realPath: P, text: `${ALICE}\n` } }),
      changes: [
        { kind: 'authorizedKey.directory', target: '/home/deploy/.ssh', summary: '/home/deploy/.ssh: mode 0755 → 0700, owner 0:1000 → 1000:1000', payload: { create: false } },
        { kind: 'authorizedKey.attributes', target: P, summary: `${P}: mode 0644 → 0600, owner 0:0 → 1000:1000` },
      ],
    },
    {
      name: 'manage_dir false: another path, its attributes left alone',
      params: { user: 'deploy', key: BOB, path: '/etc/ssh/keys/deploy', manage_dir: false },
      facts: facts(`${ALICE}\n`, { path: '/etc/ssh/keys/deploy', directory: { ...dir, mode: '0755', uid: 0, gid: 0 }, file: { type: 'file', mode: '0644', uid: 0, gid: 0, realPath: '/etc/ssh/keys/deploy', text: `${ALICE}\n` } }),
      changes: [{ kind: 'authorizedKey.keys', target: '/etc/ssh/keys/deploy', payload: { keepAttributes: true, path: '/etc/ssh/keys/deploy' } }],
    },
    {
      name: 'a symlinked key file is written through the link',
      params: { user: 'deploy', key: BOB },
      facts: facts(`${ALICE}\n`, { file: { type: 'file', mode: '0600', ...owner, realPath: '/srv/keys/deploy', text: `${ALICE}\n` } }),
      changes: [{ kind: 'authorizedKey.keys', target: P, payload: { path: '/srv/keys/deploy' } }],
    },
  ],
  [
    { name: 'a private key (not echoed)', params: { user: 'deploy', key: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----' }, error: /authorizedKey\.key: this is a private key/ },
    { name: 'a truncated key', params: { user: 'deploy', key: ALICE.replace('rstS', 'rst') }, error: /authorizedKey\.key: key 1: the ssh-ed25519 key is not valid base64/ },
    { name: 'key data of another type', params: { user: 'deploy', key: ALICE.replace('ssh-ed25519', 'ssh-rsa') }, error: /not a ssh-rsa key \(it says ssh-ed25519\)/ },
    { name: 'an unknown key type', params: { user: 'deploy', key: 'ssh-foo AAAA x' }, error: /unknown key type "ssh-foo"/ },
    { name: 'a newline smuggled into a comment line of a list', params: { user: 'deploy', key: [ALICE], comment: 'x\nssh-ed25519 AAAA' }, error: /authorizedKey\.comment/ },
    { name: 'an unknown option', params: { user: 'deploy', key: ALICE, key_options: 'no-ptty' }, error: /authorizedKey\.key_options: unknown option "no-ptty"/ },
    { name: 'blanks outside quotes in options', params: { user: 'deploy', key: ALICE, key_options: 'no-pty, from="x"' }, error: /key_options: an option name expected/ },
    { name: 'an unterminated quote', params: { user: 'deploy', key: ALICE, key_options: 'command="ls' }, error: /missing closing quote/ },
    { name: 'a value ending in a backslash', params: { user: 'deploy', key: ALICE, key_options: 'command=ls\\' }, error: /may not end with a backslash/ },
    { name: 'a flag with a value', params: { user: 'deploy', key: ALICE, key_options: 'no-pty=1' }, error: /takes no value/ },
    { name: 'the same key twice', params: { user: 'deploy', key: [ALICE, BOB.replace('bob', 'x'), ALICE] }, error: /key 3 is given twice/ },
    { name: 'exclusive with absent', params: { user: 'deploy', key: ALICE, state: 'absent', exclusive: true }, error: /authorizedKey\.exclusive/ },
    { name: 'a relative path', params: { user: 'deploy', key: ALICE, path: '.ssh/keys' }, error: /authorizedKey\.path/ },
    { name: 'a bad user', params: { user: 'root:0', key: ALICE }, error: /authorizedKey\.user/ },
  ],
);

describe('authorizedKey refusals in plan', () => {
  const plan = (f: AuthorizedKeysFacts, params: unknown) => authorizedKey.definition.plan(f, authorizedKey.parse(params));
  it('never echoes a private key', () => {
    const body = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU';
    expect(() => authorizedKey.parse({ user: 'deploy', key: [ALICE, `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----`] })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(body) }),
    );
  });
  it('names a missing user', () => {
    expect(() => plan(facts(null, { account: null }), { user: 'ghost', key: ALICE })).toThrow(/user ghost does not exist/);
  });
  it('manage_dir false needs the directory', () => {
    expect(() => plan(facts(null, { directory: null }), { user: 'deploy', key: ALICE, manage_dir: false })).toThrow(/\/home\/deploy\/\.ssh does not exist/);
  });
  it('a directory where the key file should be', () => {
    expect(() => plan(facts(null, { file: { type: 'directory', mode: '0700', ...owner, realPath: P, text: null } }), { user: 'deploy', key: ALICE })).toThrow(/is a directory/);
  });
});

describe('authorized_keys grammar', () => {
  it('quotes options for sshd, escaping only double quotes', () => {
    expect(renderOptions(parseKeyOptions('from=10.0.0.1,no-pty,command="echo \\"hi\\" $(id)"'))).toBe('from="10.0.0.1",no-pty,command="echo \\"hi\\" $(id)"');
    expect(renderOptions(parseKeyOptions('environment="A=b c"'))).toBe('environment="A=b c"');
  });
  it('reads options with blanks inside quotes before the key', () => {
    expect(parseKeyLine(`command="a b",no-pty ${BOB}`)).toMatchObject({ options: [{ name: 'command', value: 'a b' }, { name: 'no-pty', value: null }], type: 'ssh-ed25519', comment: 'bob' });
  });
  it('keeps a comment with blanks', () => {
    expect(parseKeyLine(`${ALICE} and more`).comment).toBe('alice@laptop and more');
  });
  it('parses the fact: account, derived path, directory, file through a link', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const out = `passwd ${b64('deploy:x:1000:1001::/home/deploy:/bin/sh')}\npath ${b64(P)}\ndir directory|700|1000|1001\nfile regular file|600|1000|1001\nreal ${b64('/srv/k\n')}\ncontent ${b64(`${ALICE}\n`)}\n`;
    expect(parseAuthorizedKeysState(out, null)).toEqual({
      account: { uid: 1000, gid: 1001, home: '/home/deploy' },
      path: P,
      directory: { type: 'directory', mode: '0700', uid: 1000, gid: 1001 },
      file: { type: 'file', mode: '0600', uid: 1000, gid: 1001, realPath: '/srv/k', text: `${ALICE}\n` },
    });
    expect(parseAuthorizedKeysState('nouser\n', '/x')).toEqual({ account: null, path: '/x', directory: null, file: null });
  });
});
