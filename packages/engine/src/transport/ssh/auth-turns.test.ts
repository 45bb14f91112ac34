import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { AuthContext, Connection } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshbookError } from '../../errors.js';
import { Secret } from '../../secret.js';
import { saveAuthTurns } from './auth-turns.js';
import { openConnection, type ConnectionTarget } from './connection.js';
import { formatKnownHostsLine } from './known-hosts.js';

const { Client, Server, utils } = ssh2;

/**
 * Authentication against ssh2's own server, through a relay that holds every chunk for a while in
 * each direction (a distant host): long enough that what the client sends before an answer can
 * have come back was sent without waiting for it.
 */
const DELAY_MS = 100;

/**
 * An ed25519 pair in OpenSSH's formats from node's crypto. Not ssh2's generateKeyPairSync: it strips
 * every leading zero byte of the public key, so one key in 256 comes out 31 bytes long and ssh2's
 * own parser refuses it ("Malformed OpenSSH private key", mscdex/ssh2#1390).
 */
function ed25519Pair(): { private: string; public: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const str = (v: string | Buffer) => Buffer.concat([u32(Buffer.byteLength(v)), Buffer.from(v)]);
  const publicBlob = Buffer.concat([str('ssh-ed25519'), str(pub)]);
  const check = randomBytes(4);
  const secret = Buffer.concat([check, check, publicBlob, str(Buffer.concat([seed, pub])), str('')]);
  const padded = Buffer.concat([secret, Buffer.from([1, 2, 3, 4, 5, 6, 7].slice(0, (8 - (secret.length % 8)) % 8))]);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), str('none'), str('none'), str(''), u32(1), str(publicBlob), str(padded)]);
  const lines = body.toString('base64').match(/.{1,70}/g)!;
  return { private: ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----'].join('\n'), public: `ssh-ed25519 ${publicBlob.toString('base64')}` };
}

const hostKey = ed25519Pair();
const userKey = ed25519Pair();
const strangerKey = ed25519Pair();
const rsaKey = utils.generateKeyPairSync('rsa', { bits: 2048 });
const accepted = [userKey, rsaKey].map((k) => utils.parseKey(k.public) as ssh2.ParsedKey);

interface Attempt {
  method: string;
  signed?: boolean;
  /** The key's type, and the hash its signature uses (RSA only: sha256 for rsa-sha2-256, sha1 for ssh-rsa). */
  algo?: string;
  hash?: string;
}

let server: NetServer;
let relay: NetServer;
let relayPort = 0;
const attempts: Attempt[] = [];
const dir = mkdtempSync(join(tmpdir(), 'meshbook-auth-turns-'));
const knownHostsFile = join(dir, 'known_hosts');

function answer(ctx: AuthContext): void {
  if (ctx.method === 'publickey') {
    attempts.push({ method: 'publickey', signed: ctx.signature !== undefined, algo: ctx.key.algo, ...(ctx.hashAlgo ? { hash: ctx.hashAlgo } : {}) });
    const key = accepted.find((k) => k.getPublicSSH().equals(ctx.key.data));
    if (!key) return ctx.reject(['publickey', 'password']);
    if (!ctx.signature) return ctx.accept();
    return key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey', 'password']);
  }
  if (ctx.method === 'password') {
    attempts.push({ method: 'password' });
    return ctx.password === 'right-password' ? ctx.accept() : ctx.reject(['publickey', 'password']);
  }
  attempts.push({ method: ctx.method });
  ctx.reject(['publickey', 'password']);
}

function delayed(from: Socket, to: Socket): void {
  from.on('data', (chunk: Buffer) => {
    setTimeout(() => to.destroyed || to.write(chunk), DELAY_MS);
  });
  from.on('end', () => setTimeout(() => to.end(), DELAY_MS));
  from.on('error', () => to.destroy());
}

beforeAll(async () => {
  const ssh = new Server({ hostKeys: [hostKey.private] }, (client: Connection) => {
    client.on('authentication', answer);
    client.on('error', () => undefined);
  });
  server = ssh as unknown as NetServer;
  await new Promise<void>((resolve) => ssh.listen(0, '127.0.0.1', resolve));
  const sshPort = (ssh.address() as AddressInfo).port;
  relay = createServer((controller) => {
    const host = tcpConnect(sshPort, '127.0.0.1');
    controller.setNoDelay(true);
    host.setNoDelay(true);
    delayed(controller, host);
    delayed(host, controller);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  relayPort = (relay.address() as AddressInfo).port;
  const hostBlob = (utils.parseKey(hostKey.public) as ssh2.ParsedKey).getPublicSSH();
  writeFileSync(knownHostsFile, `${formatKnownHostsLine(`[127.0.0.1]:${relayPort}`, 'ssh-ed25519', hostBlob)}\n`);
});

afterAll(() => {
  relay?.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function target(keys: ConnectionTarget['keys'], password?: string): ConnectionTarget {
  return {
    host: 'node1',
    address: '127.0.0.1',
    port: relayPort,
    user: 'tester',
    keys,
    passphrase: undefined,
    password: password === undefined ? undefined : new Secret(password),
    agent: undefined,
    hostKey: { host: 'node1', address: '127.0.0.1', port: relayPort, policy: 'strict', knownHostsFile, globalKnownHostsFiles: [], notice: () => undefined },
    connectTimeoutMs: 10_000,
    keepaliveIntervalMs: 0,
  };
}

const key = (data: string) => ({ source: 'test key', data, explicit: true });

/** Connects, and returns the auth attempts the server saw up to ready. */
async function attemptsOf(open: () => Promise<ssh2.Client>): Promise<Attempt[]> {
  attempts.length = 0;
  const client = await open();
  client.end();
  return [...attempts];
}

/** ssh2's client as it comes, or with saveAuthTurns, for the before/after; `log` gets its debug lines. */
function plainSsh2(withSavedTurns: boolean, log: string[]): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    const debug = (line: string) => log.push(line);
    client.connect({ host: '127.0.0.1', port: relayPort, username: 'tester', privateKey: userKey.private, hostVerifier: () => true, authHandler: ['publickey'], debug });
    if (withSavedTurns) saveAuthTurns(client, { firstMethodNeedsSigAlgs: false });
  });
}

/** The client's own messages and the server's answers, in the order the client saw them, from the service request on. */
function authSequence(log: string[]): string[] {
  const wanted = /Sending SERVICE_REQUEST|Received SERVICE_ACCEPT|Received EXT_INFO|Sending USERAUTH_REQUEST|Received USERAUTH_PK_OK|Received USERAUTH_SUCCESS/;
  return log.filter((l) => wanted.test(l)).map((l) => l.replace(/^(Outbound|Inbound): /, '').replace(/ \(ssh-userauth\)$/, ''));
}

describe('authentication turns', () => {
  it('sends one signed request right behind the service request: two round trips fewer to ready', async () => {
    const beforeLog: string[] = [];
    expect(await attemptsOf(() => plainSsh2(false, beforeLog))).toEqual([
      { method: 'publickey', signed: false, algo: 'ssh-ed25519' },
      { method: 'publickey', signed: true, algo: 'ssh-ed25519' },
    ]);
    // Three waits: for the service, for the key's acceptance, for the signature's.
    expect(authSequence(beforeLog)).toEqual([
      'Sending SERVICE_REQUEST',
      'Received EXT_INFO',
      'Received SERVICE_ACCEPT',
      'Sending USERAUTH_REQUEST (publickey -- check)',
      'Received USERAUTH_PK_OK',
      'Sending USERAUTH_REQUEST (publickey)',
      'Received USERAUTH_SUCCESS',
    ]);
    const afterLog: string[] = [];
    expect(await attemptsOf(() => plainSsh2(true, afterLog))).toEqual([{ method: 'publickey', signed: true, algo: 'ssh-ed25519' }]);
    // One wait: the signed request went out before the service was accepted.
    expect(authSequence(afterLog)).toEqual([
      'Sending SERVICE_REQUEST',
      'Sending USERAUTH_REQUEST (publickey)',
      'Received EXT_INFO',
      'Received SERVICE_ACCEPT',
      'Received USERAUTH_SUCCESS',
    ]);
  });

  it("does the same through meshbook's connect, with the host key checked against known_hosts first", async () => {
    expect(await attemptsOf(() => openConnection(target([key(userKey.private)])))).toEqual([{ method: 'publickey', signed: true, algo: 'ssh-ed25519' }]);
    // An unknown host key stops the connect before any auth request is sent.
    writeFileSync(join(dir, 'empty_known_hosts'), '');
    attempts.length = 0;
    const refused = await openConnection({ ...target([key(userKey.private)]), hostKey: { ...target([]).hostKey, knownHostsFile: join(dir, 'empty_known_hosts') } }).catch((e: unknown) => e);
    expect((refused as MeshbookError).code).toBe('HOST_KEY_UNKNOWN');
    expect(attempts).toEqual([]);
  });

  it('goes on from a key the server refuses to the next key, then to the password, each signed or sent once', async () => {
    expect(await attemptsOf(() => openConnection(target([key(strangerKey.private), key(userKey.private)])))).toEqual([
      { method: 'publickey', signed: true, algo: 'ssh-ed25519' },
      { method: 'publickey', signed: true, algo: 'ssh-ed25519' },
    ]);
    expect(await attemptsOf(() => openConnection(target([key(strangerKey.private)], 'right-password')))).toEqual([{ method: 'publickey', signed: true, algo: 'ssh-ed25519' }, { method: 'password' }]);
    const wrong = await openConnection(target([key(strangerKey.private)], 'wrong-password')).catch((e: unknown) => e);
    expect((wrong as MeshbookError).code).toBe('AUTH_FAILED');
    expect((wrong as MeshbookError).message).toContain('tried: publickey (test key), password');
  });

  it('signs an RSA key with the SHA-2 algorithm the server names in its EXT_INFO, never ssh-rsa (SHA-1)', async () => {
    // The request waits for the server's EXT_INFO (ssh2's server sends it after the client's
    // NEWKEYS, sshd with its own): without server-sig-algs ssh2 would sign with ssh-rsa (SHA-1),
    // which OpenSSH 8.8 and later refuse.
    expect(await attemptsOf(() => openConnection(target([key(rsaKey.private)])))).toEqual([{ method: 'publickey', signed: true, algo: 'ssh-rsa', hash: 'sha256' }]);
  });
});
