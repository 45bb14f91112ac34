import type { WireguardPeer } from './config.js';

/** One host of a WireGuard network, as the inventory describes it. */
export interface MeshMember {
  name: string;
  /** Tunnel address without prefix, e.g. 10.7.0.2. */
  address: string;
  /** `host:port` others dial; members without one are only dialled back (behind NAT). */
  endpoint?: string;
  publicKey: string;
  /** More networks routed to this member through the tunnel (e.g. its site's pod CIDR). */
  extraAllowedIps?: string[];
  /** The server of a hub-and-spoke network. */
  hub?: boolean;
}

export interface MeshOptions {
  topology: 'hub-and-spoke' | 'full-mesh';
  /** The tunnel network, routed to the hub by every spoke (hub-and-spoke only). */
  subnet?: string;
  persistentKeepalive?: number;
}

/**
 * Every peer `self` needs. Hub-and-spoke: the hub lists every spoke (its address /32 plus its extra
 * networks); a spoke lists only the hub, for the whole tunnel subnet and every other member's extra
 * networks, so spokes reach each other through the hub. Full mesh: everyone lists everyone else.
 */
export function wireguardPeers(self: string, members: readonly MeshMember[], options: MeshOptions): WireguardPeer[] {
  const me = members.find((m) => m.name === self);
  if (!me) throw new Error(`wireguardPeers: ${self} is not a member of the WireGuard network`);
  const others = members.filter((m) => m.name !== self);
  const keepalive = options.persistentKeepalive ? { persistentKeepalive: options.persistentKeepalive } : {};
  const direct = (m: MeshMember): WireguardPeer => ({
    name: m.name,
    publicKey: m.publicKey,
    ...(m.endpoint ? { endpoint: m.endpoint } : {}),
    allowedIps: [`${m.address}/32`, ...(m.extraAllowedIps ?? [])],
    ...keepalive,
  });
  if (options.topology === 'full-mesh') return others.map(direct);

  const hubs = members.filter((m) => m.hub);
  if (hubs.length !== 1) throw new Error(`hub-and-spoke needs exactly one hub, found ${hubs.length}`);
  const hub = hubs[0]!;
  if (me.hub) return others.map(direct);
  if (!options.subnet) throw new Error('hub-and-spoke needs the tunnel subnet (e.g. 10.7.0.0/24)');
  const routedThroughHub = others.filter((m) => !m.hub).flatMap((m) => m.extraAllowedIps ?? []);
  return [
    {
      name: hub.name,
      publicKey: hub.publicKey,
      ...(hub.endpoint ? { endpoint: hub.endpoint } : {}),
      allowedIps: [options.subnet, ...(hub.extraAllowedIps ?? []), ...routedThroughHub],
      ...keepalive,
    },
  ];
}
