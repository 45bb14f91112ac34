import { createHmac, randomBytes } from 'node:crypto';

export type KnownHostsMarker = 'revoked' | 'cert-authority';

export interface KnownHostsEntry {
  /** 1-based line number in the file, for messages that point at the stale line. */
  line: number;
  marker: KnownHostsMarker | undefined;
  /** Comma-separated host patterns, or one hashed `|1|salt|hash` name. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export type KnownHostsVerdict =
  | { status: 'match'; line: number }
  | { status: 'revoked'; line: number }
  /** The host is known with a key of this type, and it is a different key. */
  | { status: 'mismatch'; lines: number[] }
  /**
   * Nothing about this host; `otherKeyTypes` lists the types known for it, if any;
   * `certAuthorityLines`: @cert-authority lines that cover it (a host certificate would be checked against them).
   */
  | { status: 'unknown'; otherKeyTypes: string[]; certAuthorityLines: number[] };

/** Parses known_hosts text. Lines it cannot read are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostsMarker | undefined;
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift()!.slice(1);
      if (name !== 'revoked' && name !== 'cert-authority') return;
      marker = name;
    }
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+=*$/.test(key)) return;
    entries.push({ line: index + 1, marker, hosts, keyType, key: Buffer.from(key, 'base64') });
  });
  return entries;
}

/** OpenSSH wildcard patterns: `*` and `?` only; everything else (brackets too) is literal. */
function wildcardMatch(pattern: string, name: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(name);
}

function hashedMatch(hashed: string, name: string): boolean {
  const [, magic, salt, hash] = hashed.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  // OpenSSH lower-cases the name before hashing it (ssh-keygen -H, HashKnownHosts).
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name.toLowerCase()).digest('base64');
  return digest === hash;
}

/** Whether an entry's host field names `name` (already in `[host]:port` form when the port is not 22). */
export function entryMatchesHost(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return hashedMatch(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      // A negated pattern that matches rules the line out whatever else matches.
      if (wildcardMatch(pattern.slice(1), name)) return false;
    } else if (wildcardMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** What the file says about `name` presenting `keyType`/`key`. Revocation wins over everything. */
export function checkKnownHost(entries: readonly KnownHostsEntry[], name: string, keyType: string, key: Buffer): KnownHostsVerdict {
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e.hosts, name));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const plain = forHost.filter((e) => e.marker === undefined);
  const sameType = plain.filter((e) => e.keyType === keyType);
  const exact = sameType.find((e) => e.key.equals(key));
  if (exact) return { status: 'match', line: exact.line };
  if (sameType.length > 0) return { status: 'mismatch', lines: sameType.map((e) => e.line) };
  const certAuthorityLines = entries.filter((e) => e.marker === 'cert-authority' && entryMatchesHost(e.hosts, name)).map((e) => e.line);
  return { status: 'unknown', otherKeyTypes: [...new Set(plain.map((e) => e.keyType))], certAuthorityLines };
}

/** Key types the file knows for `name`, so the handshake can ask for one of those first, as OpenSSH does. */
export function knownKeyTypes(entries: readonly KnownHostsEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => e.marker === undefined && entryMatchesHost(e.hosts, name)).map((e) => e.keyType))];
}

/** The line accept-new appends. */
export function formatKnownHostsLine(name: string, keyType: string, key: Buffer): string {
  return `${name} ${keyType} ${key.toString('base64')}`;
}

/** `|1|salt|hash`, as ssh-keygen -H and HashKnownHosts write a name (lower-cased, HMAC-SHA1 under a random salt). */
export function hashedHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const digest = createHmac('sha1', salt).update(name.toLowerCase()).digest('base64');
  return `|1|${salt.toString('base64')}|${digest}`;
}
