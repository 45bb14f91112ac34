import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnownAfterApply, sh, type Transport } from '@meshbook/engine';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { wireguardInterface, wireguardKey, wireguardPeers, type MeshMember } from '@meshbook/modules';
import { startFleet, type Fleet } from '@meshbook/fleet';
import { fleetSshOptions } from '../support/fleet.js';
import { appliedOutput } from '../support/prove.js';

/**
 * Issue 5's proof on real tunnels (wireguard-go in the test hosts): a hub and four spokes, then a
 * sixth host added and removed, with the interface never restarted.
 */
const HUB = 'hub';
const SPOKES = ['n1', 'n2', 'n3', 'n4'];
const ADDRESSES: Record<string, string> = { hub: '10.7.0.1', n1: '10.7.0.2', n2: '10.7.0.3', n3: '10.7.0.4', n4: '10.7.0.5', n5: '10.7.0.6' };
const SUBNET = '10.7.0.0/24';

let fleet: Fleet;
const transports = new Map<string, Transport>();

async function connect(name: string): Promise<Transport> {
  const transport = await connectSsh(fleetSshOptions(fleet, name));
  transports.set(name, transport);
  return transport;
}

const t = (name: string): Transport => transports.get(name)!;

async function publicKeys(names: string[], check = false): Promise<Record<string, string | KnownAfterApply>> {
  const results = await Promise.all(names.map((n) => wireguardKey.run(t(n), {}, { check })));
  return Object.fromEntries(results.map((r, i) => [names[i]!, r.output instanceof KnownAfterApply ? r.output : r.output!.publicKey]));
}

function members(names: string[], keys: Record<string, string | KnownAfterApply>): MeshMember[] {
  return names.map((name) => ({
    name,
    address: ADDRESSES[name]!,
    // In check mode a KnownAfterApply: the engine takes it at the params boundary, as in a playbook.
    publicKey: keys[name]! as string,
    ...(name === HUB ? { hub: true, endpoint: `${fleet.host(HUB).ip}:51820` } : {}),
  }));
}

async function applyMesh(names: string[], options: { check?: boolean; diff?: boolean } = {}) {
  try {
    return await applyMeshOnce(names, options);
  } catch (error) {
    // The whole account (host, command, stderr with wg-quick's journal), not just the message.
    throw new Error((error as { describe?: () => string }).describe?.() ?? String(error));
  }
}

async function applyMeshOnce(names: string[], options: { check?: boolean; diff?: boolean }) {
  const keys = await publicKeys(names, options.check);
  const mesh = members(names, keys);
  const results = await Promise.all(
    names.map((name) =>
      wireguardInterface.run(
        t(name),
        {
          address: `${ADDRESSES[name]}/24`,
          ...(name === HUB ? { listenPort: 51820 } : {}),
          peers: wireguardPeers(name, mesh, { topology: 'hub-and-spoke', subnet: SUBNET, persistentKeepalive: 25 }),
        },
        options,
      ),
    ),
  );
  return Object.fromEntries(results.map((r, i) => [names[i]!, r]));
}

/** A ping that allows the first packets to be lost while a fresh peer completes its handshake. */
async function ping(from: string, to: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await t(from).run(sh`ping -c 1 -W 2 ${ADDRESSES[to]!}`);
    if (result.exitCode === 0) return true;
  }
  return false;
}

async function everyPairPings(names: string[]): Promise<string[]> {
  const failures: string[] = [];
  await Promise.all(
    names.flatMap((from) => names.filter((to) => to !== from).map(async (to) => {
      if (!(await ping(from, to))) failures.push(`${from} -> ${to}`);
    })),
  );
  return failures;
}

async function ifindex(name: string): Promise<string> {
  return (await fleet.exec(name, ['cat', '/sys/class/net/wg0/ifindex'])).stdout.trim();
}

beforeAll(async () => {
  fleet = await startFleet({ hosts: [HUB, ...SPOKES], prefix: 'wg' });
  await Promise.all(fleet.hosts.map((h) => connect(h.name)));
  // The hub forwards spoke-to-spoke traffic arriving on wg0 back out of wg0.
  await t(HUB).run(sh`sysctl -qw net.ipv4.ip_forward=1`);
});

afterAll(async () => {
  await Promise.all([...transports.values()].map((tr) => tr.close()));
  await fleet?.destroy();
});

describe('WireGuard hub-and-spoke mesh on real hosts', () => {
  const all = [HUB, ...SPOKES];

  it('check mode on fresh hosts plans the configs (known after apply: the peers\' keys), masks nothing secret, and creates nothing', async () => {
    const results = await applyMesh(all, { check: true, diff: true });
    for (const name of all) {
      expect(results[name]!.changed).toBe(true);
      // The peers' keys do not exist yet: the engine reports the interface as a change known after apply.
      expect(results[name]!.knownAfterApply).toBe(true);
      expect(results[name]!.diff).toContain('known after apply: wireguardKey output on');
      expect(results[name]!.diff).not.toMatch(/PrivateKey/);
      const state = await fleet.exec(name, ['sh', '-c', 'ls /etc/wireguard; wg show interfaces']);
      expect(state.stdout.trim()).toBe('');
    }
  });

  it('one run brings every tunnel up: every host pings every other host\'s wg0 address', async () => {
    const results = await applyMesh(all);
    for (const name of all) expect(results[name]!.changed).toBe(true);
    expect(await everyPairPings(all)).toEqual([]);
    const key = await fleet.exec('n1', ['stat', '-c', '%a', '/etc/wireguard/wg0.key']);
    expect(key.stdout.trim()).toBe('600');
  });

  it('a second run changes nothing and keeps the interfaces (same index, tunnels up)', async () => {
    const before = await Promise.all(all.map(ifindex));
    const results = await applyMesh(all);
    for (const name of all) expect(results[name]!.changes).toEqual([]);
    expect(await Promise.all(all.map(ifindex))).toEqual(before);
    expect(await everyPairPings(all)).toEqual([]);
  });

  it('a sixth host changes only the hub, live, and removing it cleans the hub up', async () => {
    const hubIndex = await ifindex(HUB);
    await fleet.addHost('n5');
    await connect('n5');
    const grown = await applyMesh([...all, 'n5']);
    expect(grown.n5!.changed).toBe(true);
    expect(grown[HUB]!.changes.map((c) => c.kind)).toEqual(['wireguard.config', 'wireguard.sync']);
    for (const name of SPOKES) expect(grown[name]!.changed).toBe(false);
    expect(await ifindex(HUB)).toBe(hubIndex);
    // A live sync must keep the interface's private key (wg syncconf clears what the file omits).
    expect((await fleet.exec(HUB, ['wg', 'show', 'wg0', 'public-key'])).stdout.trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(await ping('n5', 'n1')).toBe(true);
    expect(await ping('n1', 'n5')).toBe(true);

    const n5Key = appliedOutput(await wireguardKey.run(t('n5'), {})).publicKey;
    await t('n5').close();
    transports.delete('n5');
    await fleet.removeHost('n5');
    const shrunk = await applyMesh(all);
    expect(shrunk[HUB]!.changes.map((c) => c.kind)).toEqual(['wireguard.config', 'wireguard.sync']);
    const peers = await fleet.exec(HUB, ['wg', 'show', 'wg0', 'peers']);
    expect(peers.stdout).not.toContain(n5Key);
    expect(await ifindex(HUB)).toBe(hubIndex);
    expect(await everyPairPings(all)).toEqual([]);
  });
});
