import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { putScript, sha256Hex, tempPathFor } from './file-transfer.js';

/** The put script run by the local /bin/sh: the same text the SSH transport sends. */
const dir = mkdtempSync(join(tmpdir(), 'meshbook-put-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(name: string, data: Buffer, mode = 0o640, sha = sha256Hex(data)) {
  const path = join(dir, name);
  const script = putScript(path, tempPathFor(path), data, sha, { mode });
  return { path, script, result: spawnSync('/bin/sh', ['-c', script.text], { encoding: 'utf8' }) };
}

describe('putScript', () => {
  it('keepExisting: a replaced file keeps its mode (and owner); a new file gets the given mode', () => {
    const data = Buffer.from('new\n');
    const existing = join(dir, 'kept');
    spawnSync('/bin/sh', ['-c', 'printf old > "$1" && chmod 0604 "$1"', 'sh', existing]);
    for (const name of ['kept', 'fresh']) {
      const path = join(dir, name);
      const result = spawnSync('/bin/sh', ['-c', putScript(path, tempPathFor(path), data, sha256Hex(data), { mode: 0o644, keepExisting: true }).text], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(readFileSync(path, 'utf8')).toBe('new\n');
    }
    expect(statSync(existing).mode & 0o7777).toBe(0o604);
    expect(statSync(join(dir, 'fresh')).mode & 0o7777).toBe(0o644);
  });

  it('writes names with shell metacharacters, a backslash and a newline literally (sha256sum would escape such names)', () => {
    const name = `-x ;$(touch pwned);\`id\` 'q' "dq" \\ back\nslash ü`;
    const data = Buffer.from('content\n');
    const { path, result } = put(name, data);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('content\n');
    expect(statSync(path).mode & 0o7777).toBe(0o640);
    expect(readdirSync(dir).filter((f) => f.includes('.meshbook-') || f === 'pwned')).toEqual([]);
  });

  it('keeps binary content byte for byte, gives execute and special bits by chmod, and never displays the content', () => {
    const data = Buffer.from([0, 1, 2, 255, 10, 39, 92]);
    const { path, script, result } = put('binary', data, 0o4755);
    expect(result.status).toBe(0);
    expect(readFileSync(path)).toEqual(data);
    expect(statSync(path).mode & 0o7777).toBe(0o4755);
    expect(script.display).toContain('<7 bytes>');
    expect(script.display).not.toContain(data.toString('base64'));
  });

  it('a 0600 file stays 0600 in a directory whose default ACL grants read (the kernel ignores the umask there)', () => {
    const aclDir = join(dir, 'default-acl');
    // user::rwx group::r-x other::r-x as the directory's default ACL (system.posix_acl_default, version 2).
    const setAcl = spawnSync('python3', ['-c', [
      'import os, struct, sys',
      "entry = lambda tag, perm: struct.pack('<HHI', tag, perm, 0xFFFFFFFF)",
      "os.mkdir(sys.argv[1])",
      "os.setxattr(sys.argv[1], 'system.posix_acl_default', struct.pack('<I', 2) + entry(1, 7) + entry(4, 5) + entry(0x20, 5))",
    ].join('\n'), aclDir], { encoding: 'utf8' });
    expect(setAcl.stderr).toBe('');
    // The ACL is in force: a file made under umask 077 comes out group- and world-readable.
    spawnSync('/bin/sh', ['-c', 'umask 077; : > "$1"', 'sh', join(aclDir, 'control')]);
    expect(statSync(join(aclDir, 'control')).mode & 0o777).toBe(0o644);
    const data = Buffer.from('PrivateKey = secret\n');
    const path = join(aclDir, 'wg0.conf');
    const result = spawnSync('/bin/sh', ['-c', putScript(path, tempPathFor(path), data, sha256Hex(data), { mode: 0o600 }).text], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(readFileSync(path, 'utf8')).toBe('PrivateKey = secret\n');
    expect(statSync(path).mode & 0o7777).toBe(0o600);
  });

  it('runs nothing when the script is cut short (a dropped connection): no destination, no temp file', () => {
    const path = join(dir, 'cut');
    const data = Buffer.from('x'.repeat(300));
    const script = putScript(path, tempPathFor(path), data, sha256Hex(data), { mode: 0o644 });
    const cut = script.text.slice(0, script.text.indexOf("d='") + 50);
    const result = spawnSync('/bin/sh', ['-c', cut], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(() => statSync(path)).toThrow();
    expect(readdirSync(dir).filter((f) => f.includes('.meshbook-'))).toEqual([]);
  });

  it('refuses content that does not decode and leaves neither the destination nor a temp file', () => {
    const path = join(dir, 'corrupt');
    const script = putScript(path, tempPathFor(path), Buffer.from('data'), sha256Hex(Buffer.from('data')), { mode: 0o644 });
    const corrupt = script.text.replace(/d='[^']*'/, "d='!!not base64!!'");
    const result = spawnSync('/bin/sh', ['-c', corrupt], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('meshbook put: cannot write the temporary file');
    expect(() => statSync(path)).toThrow();
    expect(readdirSync(dir).filter((f) => f.includes('.meshbook-'))).toEqual([]);
  });

  it('createParents: makes the missing directories with the umask\'s mode before writing; without it a missing directory fails', () => {
    const data = Buffer.from('deep\n');
    const path = join(dir, 'made', 'for it', 'file');
    const made = spawnSync('/bin/sh', ['-c', `umask 022; ${putScript(path, tempPathFor(path), data, sha256Hex(data), { mode: 0o600, createParents: true }).text}`], { encoding: 'utf8' });
    expect(made.stderr).toBe('');
    expect(readFileSync(path, 'utf8')).toBe('deep\n');
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    expect(statSync(join(dir, 'made')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(dir, 'made', 'for it')).mode & 0o7777).toBe(0o755);
    const missing = join(dir, 'not made', 'file');
    const refused = spawnSync('/bin/sh', ['-c', putScript(missing, tempPathFor(missing), data, sha256Hex(data), { mode: 0o644 }).text], { encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(() => statSync(join(dir, 'not made'))).toThrow();
  });

  it('refuses a checksum mismatch and leaves neither the destination nor a temp file', () => {
    const { path, result } = put('mismatch', Buffer.from('data'), 0o644, '0'.repeat(64));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('meshbook put: checksum mismatch after writing\n');
    expect(() => statSync(path)).toThrow();
    expect(readdirSync(dir).filter((f) => f.includes('.meshbook-'))).toEqual([]);
  });
});
