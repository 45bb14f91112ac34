import type { z } from 'zod';
import { resultRef, task, type HostContext } from '@meshbook/engine';
import { apt, sysctl, wireguardInterface, wireguardKey, wireguardPeers, type MeshMember } from '@meshbook/modules';
import { wireguardMemberVars } from '../clustermesh/vars.js';
import type { Role } from './role.js';

export interface WireguardMeshOptions {
  /** Group of every WireGuard member. */
  membersGroup?: string;
  /** Group holding the hub (the server with the public endpoint). */
  hubGroup?: string;
  /** More networks a member routes through the tunnel, from its vars (e.g. its cluster's pods). */
  extraAllowedIps?: (host: HostContext, member: string) => string[];
  /** Install wireguard-tools from the distribution (off when the image has it). */
  installPackages?: boolean;
}

export const wireguardPublicKey = resultRef<{ publicKey: string }>('wireguard_public_key');

/**
 * Seed 000 step 000-01: a hub-and-spoke WireGuard network through the server. Every member's key
 * is generated on the member; public keys cross hosts as a registered, typed value.
 */
type Host = HostContext<z.output<typeof wireguardMemberVars>>;

export function wireguardMeshRole(options: WireguardMeshOptions = {}): Role {
  const membersGroup = options.membersGroup ?? 'wireguard';
  const hubGroup = options.hubGroup ?? 'wireguard_server';
  const members = (host: HostContext): MeshMember[] =>
    (host.groups[membersGroup] ?? []).map((name) => {
      const v = wireguardMemberVars.parse(host.hostvars(name));
      const hub = (host.groups[hubGroup] ?? []).includes(name);
      return {
        name,
        address: v.wg_address,
        publicKey: publicKeyOf(host, name),
        ...(hub ? { hub: true, endpoint: v.wireguard_endpoint } : {}),
        extraAllowedIps: options.extraAllowedIps?.(host, name) ?? [],
      };
    });

  return {
    name: 'wireguard-mesh',
    vars: wireguardMemberVars,
    tasks: [
      ...(options.installPackages === false
        ? []
        : [
            task(
              apt,
              (host) => ({
                name: wireguardMemberVars.parse(host.vars).wireguard_userspace ? ['wireguard-tools', 'wireguard-go'] : ['wireguard-tools'],
                state: 'present' as const,
                // a fresh host may never have fetched its package lists
                updateCache: true,
              }),
              { name: 'WireGuard tools installed' },
            ),
          ]),
      task(sysctl, { values: { 'net.ipv4.ip_forward': '1' }, file: 'wireguard.conf' }, {
        name: 'the hub forwards between spokes',
        when: (host) => host.groupNames.includes(hubGroup),
      }),
      task(wireguardKey, (host: Host) => ({ interface: host.vars.wireguard_interface }), {
        name: 'WireGuard private key generated on the host',
        register: wireguardPublicKey,
      }),
      task(
        wireguardInterface,
        (host: Host) => {
          const v = host.vars;
          const isHub = host.groupNames.includes(hubGroup);
          return {
            interface: v.wireguard_interface,
            address: `${v.wg_address}/${v.wireguard_prefix}`,
            ...(isHub ? { listenPort: v.wireguard_port } : {}),
            peers: wireguardPeers(host.name, members(host), {
              topology: 'hub-and-spoke',
              subnet: v.wireguard_network,
              persistentKeepalive: v.wireguard_keepalive,
            }),
          };
        },
        { name: 'WireGuard interface up with its peers' },
      ),
    ],
  };
}

/**
 * A member's public key, registered by its key task. In check mode on a fresh member it is known
 * only after apply: reading it throws, and the engine reports the interface task as a planned change.
 */
function publicKeyOf(host: HostContext, member: string): string {
  return host.output(wireguardPublicKey, member).publicKey;
}
