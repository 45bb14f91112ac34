import { beforeAll, describe, expect, it } from 'vitest';
import { authorizedKey } from '@meshbook/modules';
import { proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const KEYS = '/home/alice/.ssh/authorized_keys';
const state = () => hosts.sh(H, `stat -c '%n %a %U:%G' /home/alice/.ssh ${KEYS} 2>&1 || true; cat ${KEYS} 2>/dev/null || true`);
/** An SSH login as alice from the host to itself, host key checked: what sshd makes of the file. */
const login = (key: string, command = 'hello') =>
  hosts.sh(H, `ssh -o BatchMode=yes -o UserKnownHostsFile=/root/kh -o StrictHostKeyChecking=yes -i /root/${key} alice@127.0.0.1 ${command} 2>&1; echo "exit $?"`);

let forced = '';
let plain = '';

describe('authorizedKey on a real host', () => {
  beforeAll(async () => {
    // alice exists (useradd), with a usable (not locked) password field so sshd lets her in by key.
    await hosts.sh(
      H,
      `useradd -m -s /bin/sh alice && usermod -p '*' alice
       ssh-keygen -q -t ed25519 -N '' -C forced -f /root/forced && ssh-keygen -q -t ecdsa -N '' -C plain -f /root/plain
       echo "127.0.0.1 $(cat /etc/ssh/ssh_host_ed25519_key.pub)" > /root/kh`,
    );
    forced = (await hosts.sh(H, 'cat /root/forced.pub')).trim();
    plain = (await hosts.sh(H, 'cat /root/plain.pub')).trim();
  });

  it('check mode on a fresh user reports the directory and the file and makes neither', async () => {
    const result = await proveCheckMode(authorizedKey, t(), { user: 'alice', key: plain }, state);
    expect(result.changes.map((c) => c.kind)).toEqual(['authorizedKey.directory', 'authorizedKey.keys']);
    expect(result.diff).toContain(plain);
    expect(await state()).toContain('No such file');
  });

  it('a key, then a second with a forced command quoted for sshd: 0600 in a 0700 ~/.ssh, then nothing; sshd honours both', async () => {
    const params = { user: 'alice', key: forced, key_options: 'no-pty,command="echo \\"forced: $SSH_ORIGINAL_COMMAND\\""' };
    await proveIdempotent(authorizedKey, t(), { user: 'alice', key: plain }, async () => {
      expect(await state()).toBe(`/home/alice/.ssh 700 alice:alice\n${KEYS} 600 alice:alice\n${plain}\n`);
    });
    await proveIdempotent(authorizedKey, t(), params);
    expect(await hosts.sh(H, `cat ${KEYS}`)).toBe(`${plain}\nno-pty,command="echo \\"forced: $SSH_ORIGINAL_COMMAND\\"" ${forced}\n`);
    expect(await login('plain', 'id -un')).toBe('alice\nexit 0\n');
    expect(await login('forced', 'id -un')).toBe('forced: id -un\nexit 0\n');
    await proveOneRoundTrip(authorizedKey, t(), params);
  });

  it('loose modes and owners are corrected without rewriting the keys', async () => {
    await hosts.sh(H, `chmod 755 /home/alice/.ssh && chmod 644 ${KEYS} && chown root ${KEYS}`);
    const inode = await hosts.sh(H, `stat -c %i ${KEYS}`);
    await proveIdempotent(authorizedKey, t(), { user: 'alice', key: plain }, async (first) => {
      expect(first.changes.map((c) => c.kind)).toEqual(['authorizedKey.directory', 'authorizedKey.attributes']);
      expect(await hosts.sh(H, `stat -c '%a %U' /home/alice/.ssh ${KEYS}`)).toBe('700 alice\n600 alice\n');
    });
    expect(await hosts.sh(H, `stat -c %i ${KEYS}`)).toBe(inode);
  });

  it('exclusive keeps only the given key; absent removes it; sshd then refuses it', async () => {
    await proveIdempotent(authorizedKey, t(), { user: 'alice', key: plain, exclusive: true }, async () => {
      expect(await hosts.sh(H, `cat ${KEYS}`)).toBe(`${plain}\n`);
    });
    expect(await login('forced', 'true')).toMatch(/Permission denied[\s\S]*exit 255\n$/);
    await proveIdempotent(authorizedKey, t(), { user: 'alice', key: plain.replace(/ plain$/, ''), state: 'absent' }, async () => {
      expect(await hosts.sh(H, `cat ${KEYS}`)).toBe('');
    });
    expect(await login('plain', 'true')).toMatch(/Permission denied[\s\S]*exit 255\n$/);
  });

  it('bad params fail before the host is touched; a private key is refused, not echoed', async () => {
    const secret = (await hosts.sh(H, 'cat /root/plain')).trim();
    await proveBadParams(authorizedKey, t(), { user: 'alice', key: secret }, /authorizedKey\.key: this is a private key/);
    const error = await authorizedKey.run(t(), { user: 'alice', key: secret }).catch((e: unknown) => e as Error);
    expect(String((error as Error).message)).not.toContain(secret.split('\n')[1]!);
    await proveBadParams(authorizedKey, t(), { user: 'alice', key: plain, key_options: 'command=ls\nno-pty' }, /authorizedKey\.key_options/);
  });
});
