import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { putScript, sha256Hex, tempPathFor } from './file-transfer.js';

/** The put script run by the local /bin/sh: the same text the SSH transport sends. */
const dir = mkdtempSync(join(tmpdir(), 'meshbook-put-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(name: string, data: Buffer, sha = sha256Hex(data)) {
  const path = join(dir, name);
  const script = putScript(path, tempPathFor(path), sha, 0o640);
  return { path, result: spawnSync('/bin/sh', ['-c', script.text], { input: data, encoding: 'utf8' }) };
}

describe('putScript', () => {
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

  it('refuses a checksum mismatch and leaves neither the destination nor a temp file', () => {
    const { path, result } = put('mismatch', Buffer.from('data'), '0'.repeat(64));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('meshbook put: checksum mismatch after writing\n');
    expect(() => statSync(path)).toThrow();
    expect(readdirSync(dir).filter((f) => f.includes('.meshbook-'))).toEqual([]);
  });
});
