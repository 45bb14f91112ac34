import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { wireguardInterface, wireguardKey } from '@meshbook/modules';
import { useHosts } from '../support/prove.js';

/**
 * Issue 19, item 2: nothing written into a WireGuard config runs as root. wg-quick `eval`s PostUp
 * (which names the key file) and takes every `[Interface]` it finds; the key file also reaches awk
 * when peers are synced live. Each value is validated against what reads it, on a real host with
 * wg-quick: a hostile value is a BAD_INPUT naming the field, and nothing runs.
 */
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';

async function canaries(): Promise<string> {
  return hosts.sh(H, 'ls /tmp/pwned* 2>/dev/null || true');
}

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    return error;
  }
}

async function cleanUp(): Promise<void> {
  await hosts.sh(H, 'systemctl stop wg-quick@wg9 2>/dev/null; ip link del wg9 2>/dev/null; rm -rf /etc/wireguard/wg9.conf /tmp/pwned* /etc/wireguard/k* ; true');
}

describe('WireGuard config injection (issue 19, item 2)', () => {
  it('a key path with shell syntax (PostUp is eval-ed) is refused, naming privateKeyFile; nothing runs', async () => {
    await cleanUp();
    // A real key at the path's first part, so that `wg set` succeeds and wg-quick's `set -e` goes on to the injected command.
    await wireguardKey.run(t(), { interface: 'wg9', privateKeyFile: '/etc/wireguard/k' });
    const privateKeyFile = '/etc/wireguard/k;touch /tmp/pwned-keypath';
    const key = await outcome(() => wireguardKey.run(t(), { interface: 'wg9', privateKeyFile }));
    const iface = await outcome(() => wireguardInterface.run(t(), { interface: 'wg9', address: '10.9.0.1/24', privateKeyFile, peers: [] }));
    expect(await canaries()).toBe('');
    for (const error of [key, iface]) {
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).code).toBe('BAD_INPUT');
      expect((error as MeshbookError).message).toMatch(/privateKeyFile/);
    }
    await cleanUp();
  });

  it('a peer name with a newline cannot add an [Interface] with its own PostUp', async () => {
    await cleanUp();
    await wireguardKey.run(t(), { interface: 'wg9' });
    // wg-quick reads every [Interface] line into one interface: the injected PostUp runs after the real one.
    const name = 'peer\n[Interface]\nPostUp = touch /tmp/pwned-peername';
    const error = await outcome(() =>
      wireguardInterface.run(t(), { interface: 'wg9', address: '10.9.0.1/24', peers: [{ name, publicKey: KEY, allowedIps: ['10.9.0.2/32'] }] }),
    );
    expect(await canaries()).toBe('');
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).code).toBe('BAD_INPUT');
    expect((error as MeshbookError).message).toMatch(/peers\[0\]\.name/);
    await cleanUp();
  });

  it('an endpoint that is not host:port (a # would cut the line, spaces split it) is refused', async () => {
    const error = await outcome(() =>
      wireguardInterface.run(t(), { interface: 'wg9', address: '10.9.0.1/24', peers: [{ publicKey: KEY, endpoint: 'peer.example#x:51820', allowedIps: ['10.9.0.2/32'] }] }),
    );
    expect((error as MeshbookError).code).toBe('BAD_INPUT');
    expect((error as MeshbookError).message).toMatch(/peers\[0\]\.endpoint/);
    expect(await canaries()).toBe('');
  });

  it('a valid key path still works end to end: the interface comes up with its key, and peers sync live', async () => {
    await cleanUp();
    const privateKeyFile = '/etc/wireguard/k-wg9_v1.key';
    const key = await wireguardKey.run(t(), { interface: 'wg9', privateKeyFile });
    const publicKey = (key.output as { publicKey: string }).publicKey;
    const params = { interface: 'wg9', address: '10.9.0.1/24', privateKeyFile, listenPort: 51829, peers: [{ name: 'a peer: ü', publicKey: KEY, allowedIps: ['10.9.0.2/32'] }] };
    await wireguardInterface.run(t(), params);
    expect(await hosts.sh(H, 'wg show wg9 public-key')).toBe(`${publicKey}\n`);
    // A peer change goes through `wg syncconf` with the key read from the file by awk.
    await wireguardInterface.run(t(), { ...params, peers: [...params.peers, { name: 'b', publicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=', allowedIps: ['10.9.0.3/32'] }] });
    expect(await hosts.sh(H, 'wg show wg9 public-key; wg show wg9 peers | wc -l')).toBe(`${publicKey}\n2\n`);
    expect(await canaries()).toBe('');
    await cleanUp();
  });
});
