import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyHostKey, type HostKeyCheck } from './host-key-policy.js';

const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIImq/F33E/jgbaKhnzkZ1efZv49sVd7eSJYu3TunW+IJ';
const OTHER = 'AAAAC3NzaC1lZDI1NTE5AAAAIJ3lL1xJ9dD6yAnUq8l3Xb0L5O1vq7m9w4b8E0f3gS2Q';
const key = Buffer.from(ED25519, 'base64');

function check(policy: HostKeyCheck['policy'], content?: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'meshbook-kh-')), 'known_hosts');
  if (content !== undefined) writeFileSync(file, content);
  const notices: string[] = [];
  const options: HostKeyCheck = { host: 'node1', address: '127.0.0.1', port: 2222, policy, knownHostsFile: file, notice: (m) => notices.push(m) };
  return { file, notices, options };
}

describe('host key policy', () => {
  it('reads the global known_hosts too (OpenSSH GlobalKnownHostsFile): a key known there is accepted, a different one there refused, under accept-new too (issue 19, item 10)', async () => {
    const global = join(mkdtempSync(join(tmpdir(), 'meshbook-gkh-')), 'ssh_known_hosts');
    writeFileSync(global, `[127.0.0.1]:2222 ssh-ed25519 ${ED25519}\n`);
    const known = check('strict');
    expect(await verifyHostKey({ ...known.options, globalKnownHostsFiles: [global] }, key)).toBeUndefined();

    writeFileSync(global, `[127.0.0.1]:2222 ssh-ed25519 ${OTHER}\n`);
    const changed = check('accept-new');
    const error = await verifyHostKey({ ...changed.options, globalKnownHostsFiles: [global] }, key);
    expect(error?.code).toBe('HOST_KEY_MISMATCH');
    expect(error?.message).toContain(`${global}:1`);
    expect(error?.hint).toContain(`-f ${global}`);
    expect(changed.notices).toEqual([]);
  });

  it('accepts a known key', async () => {
    const { options } = check('strict', `[127.0.0.1]:2222 ssh-ed25519 ${ED25519}\n`);
    expect(await verifyHostKey(options, key)).toBeUndefined();
  });

  it('refuses a changed key with its fingerprint and the ssh-keygen -R fix', async () => {
    const { options, file } = check('accept-new', `[127.0.0.1]:2222 ssh-ed25519 ${OTHER}\n`);
    const error = await verifyHostKey(options, key);
    expect(error?.code).toBe('HOST_KEY_MISMATCH');
    expect(error?.message).toContain('SHA256:5x7x83PPSSjCJOcJnkZs1htl7oBMOgedAcOKupSPo7k');
    expect(error?.hint).toContain(`ssh-keygen -R '[127.0.0.1]:2222' -f ${file}`);
  });

  it('refuses an unknown host under strict, saying how to add it', async () => {
    const { options } = check('strict');
    const error = await verifyHostKey(options, key);
    expect(error?.code).toBe('HOST_KEY_UNKNOWN');
    expect(error?.message).toContain('SHA256:5x7x83PPSSjCJOcJnkZs1htl7oBMOgedAcOKupSPo7k');
    expect(error?.hint).toContain('ssh-keyscan -p 2222');
  });

  it('adds an unknown host under accept-new and says so', async () => {
    const { options, file, notices } = check('accept-new', '# no newline at the end');
    expect(await verifyHostKey(options, key)).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe(`# no newline at the end\n[127.0.0.1]:2222 ssh-ed25519 ${ED25519}\n`);
    expect(notices).toEqual([expect.stringContaining('accepted new host key for node1 ([127.0.0.1]:2222): ssh-ed25519 SHA256:5x7x83PPSSjCJOcJnkZs1htl7oBMOgedAcOKupSPo7k')]);
    // And the next connection finds it.
    expect(await verifyHostKey({ ...options, policy: 'strict' }, key)).toBeUndefined();
  });

  it('does not add a key of a new type for a host known by another type', async () => {
    const { options } = check('accept-new', `[127.0.0.1]:2222 ecdsa-sha2-nistp256 AAAAE2VjZHNh\n`);
    expect((await verifyHostKey(options, key))?.code).toBe('HOST_KEY_UNKNOWN');
  });

  it('checks nothing under off, and says so with the key it did not check (issue 19, item 10)', async () => {
    const { options, notices } = check('off', `[127.0.0.1]:2222 ssh-ed25519 ${OTHER}\n`);
    expect(await verifyHostKey(options, key)).toBeUndefined();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^host key checking is off for node1 \(\[127\.0\.0\.1\]:2222\): its ssh-ed25519 key SHA256:\S+ was not checked/);
  });
});
