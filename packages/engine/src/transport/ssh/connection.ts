/// <reference path="./ssh2-parts.d.ts" />
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
// The client and the key parser, not ssh2's index: that also loads its server, key generator and
// HTTP(S) agents (node:http, node:https and TLS), which every run paid for at start-up.
import Client from 'ssh2/lib/client.js';
import keyParser from 'ssh2/lib/protocol/keyParser.js';
import type { AnyAuthMethod, AuthenticationType, Client as ClientType, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import { MeshbookError } from '../../errors.js';
import type { Secret } from '../../secret.js';
import { saveAuthTurns } from './auth-turns.js';
import { verifyHostKey, knownKeyTypesFor, type HostKeyCheck } from './host-key-policy.js';

/** Everything needed to open one SSH connection, ssh config already applied. */
export interface ConnectionTarget {
  host: string;
  address: string;
  port: number;
  user: string;
  /** Keys in the order to try: explicit key, IdentityFile entries, or the default ~/.ssh/id_* files. */
  keys: Array<{ source: string; data: string | Buffer; explicit: boolean }>;
  passphrase: Secret | undefined;
  password: Secret | undefined;
  agent: string | undefined;
  hostKey: HostKeyCheck;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax?: number;
  /** An already open stream to the target (a ProxyJump forward); otherwise TCP to address:port. */
  sock?: Duplex;
}

const KEX = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group14-sha256',
] as const;

const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'];

/** Host key algorithms, the types known_hosts already has for this host first (OpenSSH does the same). */
export function hostKeyAlgorithms(knownTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const preferred: ServerHostKeyAlgorithm[] = [];
  for (const type of knownTypes) {
    const algorithms = type === 'ssh-rsa' ? (['rsa-sha2-512', 'rsa-sha2-256'] as const) : HOST_KEY_ALGORITHMS.filter((a) => a === type);
    for (const algorithm of algorithms) if (!preferred.includes(algorithm)) preferred.push(algorithm);
  }
  return [...preferred, ...HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a))];
}

export function defaultIdentityFiles(): string[] {
  const dir = join(homedir(), '.ssh');
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(dir, f)).filter((f) => existsSync(f));
}

export function readKeyFiles(files: readonly string[], explicit: boolean): ConnectionTarget['keys'] {
  return files.map((source) => ({ source, data: readKeyFile(source, explicit), explicit }));
}

function readKeyFile(file: string, explicit: boolean): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    if (!explicit) return Buffer.alloc(0);
    throw new MeshbookError('AUTH_FAILED', `cannot read private key ${file}: ${(error as Error).message}`, { cause: error });
  }
}

export function defaultUser(): string {
  return userInfo().username;
}

/**
 * Auth methods in ssh's order: agent, keys, password. A key that cannot be decrypted is an error
 * when the user named it, and skipped when it is only a default location.
 */
function authMethods(target: ConnectionTarget): Array<{ method: AnyAuthMethod; label: string }> {
  const methods: Array<{ method: AnyAuthMethod; label: string }> = [];
  if (target.agent) methods.push({ method: { type: 'agent', username: target.user, agent: target.agent }, label: 'ssh-agent' });
  for (const key of target.keys) {
    if (key.data.length === 0) continue;
    const parsed = keyParser.parseKey(key.data, target.passphrase?.reveal());
    if (parsed instanceof Error) {
      if (key.explicit) {
        const encrypted = /encrypted|passphrase/i.test(parsed.message);
        throw new MeshbookError('AUTH_FAILED', `cannot use private key ${key.source}: ${encrypted ? 'it is encrypted and the passphrase is missing or wrong' : parsed.message}`, {
          host: target.host,
          hint: encrypted ? 'give the key passphrase, or load the key into ssh-agent' : undefined,
        });
      }
      continue;
    }
    methods.push({ method: { type: 'publickey', username: target.user, key: Array.isArray(parsed) ? parsed[0]! : parsed }, label: `publickey (${key.source})` });
  }
  if (target.password) methods.push({ method: { type: 'password', username: target.user, password: target.password.reveal() }, label: 'password' });
  return methods;
}

/**
 * Opens and authenticates one connection. Every failure is a MeshbookError whose code says what
 * kind: UNREACHABLE (refused, timed out, no common algorithms), AUTH_FAILED, HOST_KEY_*.
 */
export async function openConnection(target: ConnectionTarget): Promise<ClientType> {
  const methods = authMethods(target);
  if (methods.length === 0) {
    throw new MeshbookError('AUTH_FAILED', `no way to authenticate to ${target.host}: no ssh-agent, no private key and no password`, {
      host: target.host,
      hint: 'set privateKeyFile (ansible_ssh_private_key_file), start ssh-agent, or give a password',
    });
  }
  const knownTypes = await knownKeyTypesFor(target.hostKey);
  const client = new Client();
  const handshakeOffers: string[] = [];
  const tried: string[] = [];
  let hostKeyError: MeshbookError | undefined;

  return new Promise<ClientType>((resolve, reject) => {
    let settled = false;
    const settle = (error: MeshbookError | undefined) => {
      if (settled) return;
      settled = true;
      if (error) {
        client.end();
        reject(error);
      } else resolve(client);
    };
    client.once('ready', () => settle(undefined));
    client.on('error', (error: Error & { level?: string; code?: string }) => {
      if (settled) return;
      if (hostKeyError) return settle(hostKeyError);
      settle(mapConnectError(target, error, handshakeOffers, tried));
    });
    client.once('close', () => settle(hostKeyError ?? new MeshbookError('UNREACHABLE', `connection to ${target.host} (${target.address}:${target.port}) closed during setup`, { host: target.host })));
    let next = 0;
    const config: ConnectConfig = {
      host: target.address,
      port: target.port,
      username: target.user,
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: target.keepaliveIntervalMs,
      keepaliveCountMax: target.keepaliveCountMax ?? 3,
      algorithms: { kex: [...KEX], serverHostKey: hostKeyAlgorithms(knownTypes) },
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        verifyHostKey(target.hostKey, key).then(
          (error) => {
            hostKeyError = error;
            verify(error === undefined);
          },
          (error: unknown) => {
            hostKeyError = new MeshbookError('HOST_KEY_UNKNOWN', `cannot check the host key of ${target.host}: ${(error as Error).message}`, { host: target.host, cause: error });
            verify(false);
          },
        );
      },
      authHandler: (authsLeft: AuthenticationType[], _partial: boolean, callback: (next: AnyAuthMethod | false) => void) => {
        while (next < methods.length) {
          const { method, label } = methods[next++]!;
          const wire = method.type === 'agent' ? 'publickey' : method.type;
          // The first call has no list yet; later calls name what the server still accepts.
          if (authsLeft && authsLeft.length > 0 && !authsLeft.includes(wire as AuthenticationType)) continue;
          tried.push(label);
          return callback(method);
        }
        callback(false);
      },
      debug: (line: string) => {
        // Only the offers: they explain a failed negotiation, and they hold no secrets.
        if (line.startsWith('Handshake: (local) ')) handshakeOffers.push(`meshbook ${line.slice('Handshake: (local) '.length)}`);
        else if (line.startsWith('Handshake: (remote) ')) handshakeOffers.push(`server   ${line.slice('Handshake: (remote) '.length)}`);
      },
    } as ConnectConfig;
    if (target.sock) config.sock = target.sock;
    client.connect(config);
    saveAuthTurns(client, { firstMethodNeedsSigAlgs: needsSigAlgs(methods[0]!.method) });
  });
}

/** Whether a method's signature algorithm depends on the server's server-sig-algs: RSA keys, and an agent's keys (any type). */
function needsSigAlgs(method: AnyAuthMethod): boolean {
  if (method.type === 'agent') return true;
  if (method.type !== 'publickey') return false;
  const key = method.key as { type?: string };
  return key.type === 'ssh-rsa';
}

function mapConnectError(target: ConnectionTarget, error: Error & { level?: string; code?: string }, offers: string[], tried: string[]): MeshbookError {
  const where = `${target.host} (${target.user}@${target.address}:${target.port})`;
  const base = { host: target.host, cause: error };
  if (error.level === 'client-authentication') {
    return new MeshbookError('AUTH_FAILED', `authentication to ${where} failed; tried: ${tried.join(', ') || 'nothing the server accepts'}`, {
      ...base,
      hint: 'check the user, the key (and that its public half is in authorized_keys) or the password',
    });
  }
  if (error.level === 'handshake') {
    return new MeshbookError('UNREACHABLE', `SSH negotiation with ${where} failed: ${error.message}\n  offered:\n    ${offers.join('\n    ')}`, {
      ...base,
      hint: 'the server and meshbook share no algorithm of the kind named above; enable a modern one on the server',
    });
  }
  if (error.level === 'client-timeout') {
    return new MeshbookError('UNREACHABLE', `${where} did not complete the SSH handshake within ${target.connectTimeoutMs} ms`, { ...base, hint: 'is sshd running and reachable from here?' });
  }
  const code = error.code ? ` (${error.code})` : '';
  return new MeshbookError('UNREACHABLE', `cannot reach ${where}: ${error.message}${code}`, { ...base, hint: 'is the host up and sshd listening on that port?' });
}
