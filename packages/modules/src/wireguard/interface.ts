import { z } from 'zod';
import type { DocumentedParams } from '../lib/documented-params.js';
import { interfaceParam, privateKeyFileParam, withDefaultKeyFile } from './params.js';
import { MeshbookError, defineFact, defineModule, sh, type Change, type ModuleContext } from '@meshbook/engine';
import { parsePeerDump, peersDiffer, renderWireguardConfig, wgQuickOnlySettings, type LivePeer } from './config.js';

const PUBLIC_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** A peer of a wireguardInterface, as written (a [Peer] section of the config). */
export interface WireguardPeerInput {
  /** Written as a `#` comment above the peer (one line of text). */
  name?: string | undefined;
  /** The peer's public key (44 characters of base64). PublicKey. */
  publicKey: string;
  /** host:port where the peer is reached (a host name, IPv4, or [IPv6]); absent: the peer connects first. Endpoint. */
  endpoint?: string | undefined;
  /** Addresses or CIDRs routed to this peer and accepted from it. AllowedIPs. */
  allowedIps: string[];
  /** Seconds between keepalive packets (0 or absent: off). PersistentKeepalive. */
  persistentKeepalive?: number | undefined;
}

/** The wireguardInterface task's params as written (an interface, so editors show each field's documentation). */
export interface WireguardInterfaceInput {
  /** The interface name, 1-15 characters. Default 'wg0'. */
  interface?: string | undefined;
  /** This host's tunnel address with prefix, e.g. '10.7.0.2/24'. Address. */
  address: string;
  /** UDP port to listen on; absent: a random one. ListenPort. */
  listenPort?: number | undefined;
  /** Interface MTU (1280-9000); absent: wg-quick's choice. MTU. */
  mtu?: number | undefined;
  /** The private key file (made by wireguardKey), loaded by PostUp. Default /etc/wireguard/IFACE.key. */
  privateKeyFile?: string | undefined;
  /** The peers, exactly: peers not listed are removed. */
  peers: WireguardPeerInput[];
}

const peerSchema = z
  .object({
    // Written as a `#` comment line: a line break would start config lines of its own.
    name: z.string().regex(/^[^\u0000-\u001f\u007f]*$/, 'one line of text, no control characters').optional(),
    publicKey: z.string().regex(PUBLIC_KEY, 'a WireGuard public key (44 characters of base64)'),
    endpoint: z
      .string()
      .regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'host:port, with a host name, an IPv4 address or an [IPv6] address')
      .optional(),
    allowedIps: z.array(z.string().regex(/^[0-9a-fA-F.:]+(\/\d{1,3})?$/, 'an address or CIDR')).min(1),
    persistentKeepalive: z.number().int().min(0).max(65535).optional(),
  })
  .strict();

const interfaceParamsSchema = z
  .object({
    interface: interfaceParam,
    address: z.string().regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'this host\'s tunnel address with prefix, e.g. 10.7.0.2/24'),
    listenPort: z.number().int().min(1).max(65535).optional(),
    mtu: z.number().int().min(1280).max(9000).optional(),
    privateKeyFile: privateKeyFileParam,
    peers: z.array(peerSchema),
  })
  .strict()
  .transform(withDefaultKeyFile);
const interfaceParams: DocumentedParams<typeof interfaceParamsSchema, WireguardInterfaceInput> = interfaceParamsSchema;

interface InterfaceFacts {
  config: string | null;
  configMode: string | null;
  running: boolean;
  enabled: boolean;
  livePeers: LivePeer[];
}

const interfaceFact = defineFact<{ iface: string; path: string }, InterfaceFacts>({
  name: 'wireguard.interface',
  // One round trip. The peer dump's first line holds the private key: it is cut on the host.
  command: ({ iface, path }) => sh`
    if test -e ${path}; then echo "mode $(stat -c %a ${path})"; sed 's/^/c /' ${path}; fi
    for i in $(wg show interfaces 2>/dev/null); do test "$i" = ${iface} && echo running; done
    test "$(systemctl is-enabled wg-quick@${iface} 2>/dev/null)" = enabled && echo enabled
    wg show ${iface} dump 2>/dev/null | tail -n +2 | sed 's/^/p /'
    true`,
  parse: (result) => {
    const lines = result.stdout.split('\n');
    const content = lines.filter((l) => l.startsWith('c ') || l === 'c').map((l) => l.slice(2));
    const modeLine = lines.find((l) => l.startsWith('mode '));
    return {
      config: modeLine ? `${content.join('\n')}\n` : null,
      configMode: modeLine ? modeLine.slice(5).trim() : null,
      running: lines.includes('running'),
      enabled: lines.includes('enabled'),
      livePeers: parsePeerDump(lines.filter((l) => l.startsWith('p ')).map((l) => l.slice(2)).join('\n')),
    };
  },
});

type InterfaceChange =
  /** The whole config file (0600). */
  | Change<'wireguard.config', { path: string; content: string }>
  | Change<'wireguard.enable' | 'wireguard.up' | 'wireguard.restart', { unit: string }>
  /** Peers applied live: the key file is read on the host to complete the stripped config. */
  | Change<'wireguard.sync', { iface: string; privateKeyFile: string }>;

/**
 * A WireGuard interface managed by wg-quick: /etc/wireguard/IFACE.conf (0600), the
 * wg-quick@IFACE unit enabled and started, and peer changes applied live with `wg syncconf`
 * (no restart; removed peers go away). Only a change to Address/MTU restarts the interface.
 */
export const wireguardInterface = defineModule({
  name: 'wireguardInterface',
  params: interfaceParams,
  facts: (params) => interfaceFact({ iface: params.interface, path: configPath(params.interface) }),
  plan(facts, params): InterfaceChange[] {
    const path = configPath(params.interface);
    const unit = `wg-quick@${params.interface}`;
    const desired = renderWireguardConfig(params);
    const changes: InterfaceChange[] = [];
    const configChanged = facts.config !== desired || facts.configMode !== '600';
    if (configChanged) {
      changes.push({
        kind: 'wireguard.config',
        target: path,
        summary: facts.config === null ? 'create (0600)' : facts.config !== desired ? 'update' : `mode ${facts.configMode} → 600`,
        content: { path, before: facts.config, after: desired },
        payload: { path, content: desired },
      });
    }
    if (!facts.enabled) changes.push({ kind: 'wireguard.enable', target: unit, summary: 'enable at boot', before: 'disabled', after: 'enabled', payload: { unit } });
    if (!facts.running) {
      changes.push({ kind: 'wireguard.up', target: unit, summary: `bring ${params.interface} up`, before: 'down', after: 'up', payload: { unit } });
    } else if (wgQuickOnlySettings(facts.config) !== wgQuickOnlySettings(desired)) {
      changes.push({ kind: 'wireguard.restart', target: unit, summary: 'address or MTU changed: restart the interface', payload: { unit } });
    } else if (configChanged || peersDiffer(facts.livePeers, params.peers)) {
      changes.push({
        kind: 'wireguard.sync',
        target: params.interface,
        summary: 'apply peer changes live (wg syncconf)',
        payload: { iface: params.interface, privateKeyFile: params.privateKeyFile },
      });
    }
    return changes;
  },
  async apply(ctx, changes) {
    for (const change of changes) {
      switch (change.kind) {
        case 'wireguard.config':
          await ctx.exec(sh`mkdir -p -m 700 /etc/wireguard`);
          await ctx.put(change.payload.path, change.payload.content, { mode: 0o600, owner: 'root', group: 'root' });
          break;
        case 'wireguard.enable':
          await ctx.exec(sh`systemctl enable ${change.payload.unit}`);
          break;
        case 'wireguard.up':
          await controlUnit(ctx, 'start', change.payload.unit);
          break;
        case 'wireguard.restart':
          await controlUnit(ctx, 'restart', change.payload.unit);
          break;
        case 'wireguard.sync': {
          const { iface, privateKeyFile } = change.payload;
          // syncconf makes the interface match the file exactly: a file without PrivateKey would
          // clear the key. awk reads the key file itself, so the key is never on a command line;
          // its path comes from the environment, which awk takes as it is (`-v` would expand
          // backslash escapes in it).
          const stripped = `/run/meshbook-wg-${iface}.conf`;
          const withKey = sh.raw(String.raw`'{ print } /^\[Interface\]/ { getline key < ENVIRON["MB_KEYFILE"]; print "PrivateKey = " key }'`);
          await ctx.exec(
            sh`umask 077 && wg-quick strip ${iface} | MB_KEYFILE=${privateKeyFile} awk ${withKey} >${stripped} && wg syncconf ${iface} ${stripped}; rc=$?; rm -f ${stripped}; exit $rc`,
          );
          break;
        }
      }
    }
  },
  invalidates: [interfaceFact],
});

/**
 * systemctl start/restart; a failure carries wg-quick's own account from the journal. One retry:
 * on a heavily loaded machine wg-quick with wireguard-go was seen failing once and succeeding
 * right after (wg-quick removes what it set up when it fails, so a second try starts clean). The
 * first failure is reported as a progress line, never swallowed silently.
 */
async function controlUnit(ctx: ModuleContext, verb: 'start' | 'restart', unit: string): Promise<void> {
  let failure = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    const result = await ctx.run(sh`systemctl ${verb} ${unit}`);
    if (result.exitCode === 0) return;
    const journal = await ctx.run(sh`journalctl -u ${unit} -n 25 --no-pager -o cat`);
    failure = `${result.stderr.trim()}\n--- journalctl -u ${unit}\n${journal.stdout.trim()}`;
    if (attempt === 1) {
      ctx.progress(`systemctl ${verb} ${unit} failed, trying once more: ${failure.split('\n').slice(-3).join(' | ')}`);
      await ctx.run(sh`systemctl reset-failed ${unit}`);
    }
  }
  throw new MeshbookError('COMMAND_FAILED', `systemctl ${verb} ${unit} failed twice`, {
    host: ctx.host,
    command: `systemctl ${verb} ${unit}`,
    stderr: failure,
    hint: `see \`systemctl status ${unit}\` on the host`,
  });
}

function configPath(iface: string): string {
  return `/etc/wireguard/${iface}.conf`;
}
