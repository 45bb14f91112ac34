import { MeshbookError } from '@meshbook/engine';

export interface WireguardPeer {
  /** Shown as a comment above the peer: the peer's inventory name. */
  name?: string;
  /** The peer's public key. */
  publicKey: string;
  endpoint?: string;
  allowedIps: string[];
  persistentKeepalive?: number;
}

export interface WireguardInterfaceSettings {
  interface: string;
  /** This host's tunnel address with prefix, e.g. 10.7.0.2/24. */
  address: string;
  listenPort?: number;
  mtu?: number;
  privateKeyFile: string;
  peers: WireguardPeer[];
}

/**
 * The wg-quick config. It names no private key: PostUp loads the key from its 0600 file on the
 * host, so the key never leaves the host and this text is safe to diff and log. (`wg syncconf`
 * gets the key added on the host, see interface.ts.)
 */
export function renderWireguardConfig(settings: WireguardInterfaceSettings): string {
  const lines = [
    '# Managed by meshbook: local edits are overwritten.',
    '[Interface]',
    `Address = ${settings.address}`,
  ];
  if (settings.listenPort !== undefined) lines.push(`ListenPort = ${settings.listenPort}`);
  if (settings.mtu !== undefined) lines.push(`MTU = ${settings.mtu}`);
  lines.push(`PostUp = wg set %i private-key ${settings.privateKeyFile}`);
  for (const peer of settings.peers) {
    lines.push('', '[Peer]');
    if (peer.name) lines.push(`# ${peer.name}`);
    lines.push(`PublicKey = ${peer.publicKey}`);
    if (peer.endpoint) lines.push(`Endpoint = ${peer.endpoint}`);
    lines.push(`AllowedIPs = ${peer.allowedIps.join(', ')}`);
    if (peer.persistentKeepalive) lines.push(`PersistentKeepalive = ${peer.persistentKeepalive}`);
  }
  // The params were validated for wg-quick's grammar; this is the last line of defence for a
  // caller that renders unvalidated settings: no value may start a line of its own.
  const bad = lines.find((l) => /[\u0000-\u001f\u007f]/.test(l));
  if (bad !== undefined) throw new MeshbookError('BAD_INPUT', `a WireGuard config value holds a line break or control character: ${JSON.stringify(bad)}`);
  if (!SAFE_KEY_PATH.test(settings.privateKeyFile)) throw new MeshbookError('BAD_INPUT', `privateKeyFile ${JSON.stringify(settings.privateKeyFile)} cannot go into PostUp (wg-quick evaluates it as shell text)`);
  return `${lines.join('\n')}\n`;
}

const SAFE_KEY_PATH = /^\/[A-Za-z0-9._+@/-]+$/;

/** The [Interface] settings only wg-quick applies (a change to them needs the interface restarted). */
export function wgQuickOnlySettings(config: string | null): string {
  if (config === null) return '';
  const interfaceSection = config.split(/^\[Peer\]/m)[0] ?? '';
  return interfaceSection
    .split('\n')
    .filter((l) => /^\s*(Address|MTU|DNS|Table|PreUp|PostUp|PreDown|PostDown)\s*=/.test(l))
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .join('\n');
}

/** Live peers as `wg show IFACE dump` lists them (peer lines only), normalised for comparison. */
export interface LivePeer {
  publicKey: string;
  endpoint: string | null;
  allowedIps: string[];
  persistentKeepalive: number | null;
}

export function parsePeerDump(dump: string): LivePeer[] {
  return dump
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f.length >= 8)
    .map((f) => ({
      publicKey: f[0]!,
      endpoint: f[2] === '(none)' ? null : f[2]!,
      allowedIps: f[3] === '(none)' ? [] : f[3]!.split(',').sort(),
      persistentKeepalive: f[7] === 'off' ? null : Number(f[7]),
    }))
    .sort((a, b) => a.publicKey.localeCompare(b.publicKey));
}

/** Whether the live peers differ from the desired ones (a drifted or not yet synced interface). */
export function peersDiffer(live: LivePeer[], desired: WireguardPeer[]): boolean {
  const want = desired
    .map((p) => ({
      publicKey: String(p.publicKey),
      allowedIps: [...p.allowedIps].map(normaliseCidr).sort(),
      persistentKeepalive: p.persistentKeepalive ? p.persistentKeepalive : null,
    }))
    .sort((a, b) => a.publicKey.localeCompare(b.publicKey));
  if (want.length !== live.length) return true;
  return want.some((w, i) => {
    const l = live[i]!;
    return (
      w.publicKey !== l.publicKey ||
      w.persistentKeepalive !== l.persistentKeepalive ||
      w.allowedIps.join(',') !== l.allowedIps.map(normaliseCidr).join(',')
    );
  });
}

function normaliseCidr(cidr: string): string {
  const trimmed = cidr.trim();
  return trimmed.includes('/') ? trimmed : `${trimmed}/${trimmed.includes(':') ? 128 : 32}`;
}
