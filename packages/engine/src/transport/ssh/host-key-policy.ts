import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { quote } from '../../command.js';
import { MeshbookError } from '../../errors.js';
import { keyTypeOf, knownHostsName, sha256Fingerprint } from './host-key.js';
import { checkKnownHost, formatKnownHostsLine, hashedHostName, knownKeyTypes, parseKnownHosts, type KnownHostsVerdict } from './known-hosts.js';

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

export interface HostKeyCheck {
  /** Inventory name, for messages. */
  host: string;
  address: string;
  port: number;
  policy: HostKeyPolicy;
  knownHostsFile: string;
  /**
   * Read-only files consulted after knownHostsFile, as OpenSSH's GlobalKnownHostsFile; default
   * GLOBAL_KNOWN_HOSTS_FILES. A key known (or revoked, or contradicted) there counts the same.
   */
  globalKnownHostsFiles?: readonly string[];
  /** ssh config's HostKeyAlias: the name known_hosts is searched and written under, instead of the address. */
  hostKeyAlias?: string;
  /** ssh config's HashKnownHosts: a key accept-new adds is written as a hashed name. */
  hashNewEntries?: boolean;
  notice: (message: string) => void;
}

/** The name the host's keys are filed under: HostKeyAlias as it is, else `address` or `[address]:port`. */
export function hostKeyName(check: Pick<HostKeyCheck, 'address' | 'port' | 'hostKeyAlias'>): string {
  return check.hostKeyAlias ?? knownHostsName(check.address, check.port);
}

/** OpenSSH's default GlobalKnownHostsFile. */
export const GLOBAL_KNOWN_HOSTS_FILES: readonly string[] = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

/** The verdict of each file: the user's first, then the global ones. */
async function verdicts(check: HostKeyCheck, name: string, keyType: string, keyBlob: Buffer): Promise<Array<{ file: string; verdict: KnownHostsVerdict }>> {
  const files = [check.knownHostsFile, ...(check.globalKnownHostsFiles ?? GLOBAL_KNOWN_HOSTS_FILES)];
  return Promise.all(files.map(async (file) => ({ file, verdict: checkKnownHost(parseKnownHosts(await readKnownHosts(file)), name, keyType, keyBlob) })));
}

/** As OpenSSH decides over several files: revoked anywhere refuses, then a match accepts, then a mismatch refuses. */
function combined(all: Array<{ file: string; verdict: KnownHostsVerdict }>): { file: string; verdict: KnownHostsVerdict } {
  for (const status of ['revoked', 'match', 'mismatch'] as const) {
    const found = all.find((v) => v.verdict.status === status);
    if (found) return found;
  }
  const otherKeyTypes = [...new Set(all.flatMap((v) => (v.verdict.status === 'unknown' ? v.verdict.otherKeyTypes : [])))];
  const withAuthority = all.find((v) => v.verdict.status === 'unknown' && v.verdict.certAuthorityLines.length > 0);
  const certAuthorityLines = withAuthority?.verdict.status === 'unknown' ? withAuthority.verdict.certAuthorityLines : [];
  return { file: withAuthority?.file ?? all[0]!.file, verdict: { status: 'unknown', otherKeyTypes, certAuthorityLines } };
}

async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Key types known_hosts holds for the host, so the handshake asks for those first (as OpenSSH does). */
export async function knownKeyTypesFor(check: HostKeyCheck): Promise<string[]> {
  if (check.policy === 'off') return [];
  const files = [check.knownHostsFile, ...(check.globalKnownHostsFiles ?? GLOBAL_KNOWN_HOSTS_FILES)];
  const texts = await Promise.all(files.map(readKnownHosts));
  return [...new Set(texts.flatMap((text) => knownKeyTypes(parseKnownHosts(text), hostKeyName(check))))];
}

// accept-new appends from many connections at once; one chain per process keeps lines whole.
let appendChain: Promise<unknown> = Promise.resolve();

/**
 * Decides about the key a server presented. Returns undefined when the connection may proceed,
 * or the error that refuses it. Nothing is accepted silently: accept-new reports what it added.
 */
export async function verifyHostKey(check: HostKeyCheck, keyBlob: Buffer): Promise<MeshbookError | undefined> {
  const name = hostKeyName(check);
  const keyType = keyTypeOf(keyBlob);
  const fingerprint = sha256Fingerprint(keyBlob);
  if (check.policy === 'off') {
    // Honoured (StrictHostKeyChecking=no in ssh arguments, or the inventory's off), never silently.
    check.notice(`host key checking is off for ${check.host} (${name}): its ${keyType} key ${fingerprint} was not checked`);
    return undefined;
  }
  const file = check.knownHostsFile;
  const { file: foundIn, verdict } = combined(await verdicts(check, name, keyType, keyBlob));
  const removeHint = `ssh-keygen -R ${quote(name)} -f ${quote(foundIn)}`;
  switch (verdict.status) {
    case 'match':
      return undefined;
    case 'revoked':
      return new MeshbookError('HOST_KEY_MISMATCH', `${check.host} (${name}) presented a REVOKED ${keyType} host key ${fingerprint} (${foundIn}:${verdict.line})`, {
        host: check.host,
        hint: 'the key is marked @revoked: do not connect until the host has a new key',
      });
    case 'mismatch':
      return new MeshbookError(
        'HOST_KEY_MISMATCH',
        `HOST KEY MISMATCH for ${check.host} (${name}): it presented ${keyType} ${fingerprint}, which differs from ${foundIn}:${verdict.lines.join(',')}. Someone may be intercepting the connection, or the host was reinstalled.`,
        { host: check.host, hint: `if the host's key really changed, remove the old entry with: ${removeHint}` },
      );
    case 'unknown': {
      if (verdict.certAuthorityLines.length > 0) {
        // OpenSSH would check the host's certificate against that CA; taking the plain key instead
        // (accept-new) would trust whatever answered first.
        return new MeshbookError(
          'HOST_KEY_UNKNOWN',
          `${check.host} (${name}) is trusted through a certificate authority (@cert-authority at ${foundIn}:${verdict.certAuthorityLines.join(',')}), and meshbook cannot check host certificates: it presented the plain ${keyType} key ${fingerprint}`,
          {
            host: check.host,
            hint: `meshbook's SSH library negotiates no host certificates: check the fingerprint out of band and add the host's own key (ssh-keyscan -p ${check.port} -t ${keyType} ${check.address} >> ${quote(file)})`,
          },
        );
      }
      if (check.policy === 'accept-new' && verdict.otherKeyTypes.length === 0) {
        const line = formatKnownHostsLine(check.hashNewEntries ? hashedHostName(name) : name, keyType, keyBlob);
        const append = appendChain.then(async () => {
          await mkdir(dirname(file), { recursive: true, mode: 0o700 });
          const current = await readKnownHosts(file);
          const prefix = current.length > 0 && !current.endsWith('\n') ? '\n' : '';
          await appendFile(file, `${prefix}${line}\n`, { mode: 0o600 });
        });
        appendChain = append.catch(() => undefined);
        await append;
        check.notice(`accepted new host key for ${check.host} (${name}): ${keyType} ${fingerprint}, added to ${file}`);
        return undefined;
      }
      const others = verdict.otherKeyTypes.length
        ? ` ${file} knows other key types for it (${verdict.otherKeyTypes.join(', ')}), so accept-new does not add this one.`
        : '';
      return new MeshbookError('HOST_KEY_UNKNOWN', `host key of ${check.host} (${name}) is not known: it presented ${keyType} ${fingerprint}.${others}`, {
        host: check.host,
        hint: `check the fingerprint out of band, then add it (ssh-keyscan -p ${check.port} -t ${keyType} ${check.address} >> ${quote(file)}), or use hostKeyPolicy accept-new`,
      });
    }
  }
}
