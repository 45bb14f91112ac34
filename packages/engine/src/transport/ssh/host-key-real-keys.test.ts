import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyHostKey, type HostKeyCheck } from './host-key-policy.js';

/**
 * Host keys made by ssh-keygen, and OpenSSH's own ssh-keygen -F as the judge of what meshbook
 * writes (issue 19, item 10).
 */
const dir = mkdtempSync(join(tmpdir(), 'meshbook-realkeys-'));

function newKey(name: string): { line: string; blob: Buffer } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  const [type, base64] = readFileSync(`${path}.pub`, 'utf8').trim().split(' ');
  return { line: `${type} ${base64}`, blob: Buffer.from(base64!, 'base64') };
}

const host = newKey('host');
const ca = newKey('ca');

function check(policy: HostKeyCheck['policy'], content: string, extra: Partial<HostKeyCheck> = {}) {
  const file = join(mkdtempSync(join(dir, 'kh-')), 'known_hosts');
  writeFileSync(file, content);
  const notices: string[] = [];
  const options: HostKeyCheck = { host: 'node1', address: '127.0.0.1', port: 2222, policy, knownHostsFile: file, globalKnownHostsFiles: [], notice: (m) => notices.push(m), ...extra };
  return { file, notices, options };
}

/** What OpenSSH finds for `name` in `file`: the lines ssh-keygen -F prints (its exit code 1 means none). */
function openSshFinds(file: string, name: string): string {
  try {
    return execFileSync('ssh-keygen', ['-F', name, '-f', file]).toString();
  } catch {
    return '';
  }
}

describe('host keys with real keys', () => {
  it('HostKeyAlias: the key is looked up under the alias, not the address', async () => {
    const known = `web-alias ${host.line}\n`;
    expect(await verifyHostKey(check('strict', known, { hostKeyAlias: 'web-alias' }).options, host.blob)).toBeUndefined();
    expect((await verifyHostKey(check('strict', known).options, host.blob))?.code).toBe('HOST_KEY_UNKNOWN');
  });

  it('HostKeyAlias under accept-new: the new key is filed under the alias', async () => {
    const { options, file } = check('accept-new', '', { hostKeyAlias: 'web-alias' });
    expect(await verifyHostKey(options, host.blob)).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe(`web-alias ${host.line}\n`);
  });

  it('HashKnownHosts: a key accept-new adds is written hashed, and OpenSSH finds it under the host\'s name', async () => {
    const { options, file, notices } = check('accept-new', '', { hashNewEntries: true });
    expect(await verifyHostKey(options, host.blob)).toBeUndefined();
    const written = readFileSync(file, 'utf8');
    expect(written).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
    expect(written).not.toContain('127.0.0.1');
    expect(openSshFinds(file, '[127.0.0.1]:2222')).toContain(host.line.split(' ')[1]);
    expect(notices[0]).toMatch(/accepted new host key/);
    // And meshbook reads its own hashed line back.
    expect(await verifyHostKey({ ...options, policy: 'strict' }, host.blob)).toBeUndefined();
  });

  it('@cert-authority: a host covered by a CA is refused under accept-new too (its certificate cannot be checked), and nothing is added', async () => {
    const { options, file } = check('accept-new', `@cert-authority [127.0.0.1]:* ${ca.line}\n`);
    const error = await verifyHostKey(options, host.blob);
    expect(error?.code).toBe('HOST_KEY_UNKNOWN');
    expect(error?.message).toContain(`trusted through a certificate authority (@cert-authority at ${file}:1)`);
    expect(error?.hint).toMatch(/negotiates no host certificates/);
    expect(readFileSync(file, 'utf8')).toBe(`@cert-authority [127.0.0.1]:* ${ca.line}\n`);
    // The host's own key next to the CA line is accepted as usual.
    writeFileSync(file, `@cert-authority [127.0.0.1]:* ${ca.line}\n[127.0.0.1]:2222 ${host.line}\n`);
    expect(await verifyHostKey(options, host.blob)).toBeUndefined();
  });

  it('@revoked: a revoked key is refused even where another line accepts it, under accept-new too', async () => {
    const { options } = check('accept-new', `[127.0.0.1]:2222 ${host.line}\n@revoked * ${host.line}\n`);
    const error = await verifyHostKey(options, host.blob);
    expect(error?.code).toBe('HOST_KEY_MISMATCH');
    expect(error?.message).toMatch(/REVOKED ssh-ed25519 host key SHA256:/);
  });
});
