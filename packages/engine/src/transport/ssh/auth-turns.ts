import type { Client } from 'ssh2';

/**
 * Two round trips fewer to authenticate, on ssh2's own client (what it sends, not what it checks):
 *
 * - The first auth request goes out right behind the `ssh-userauth` service request instead of
 *   after the server's SERVICE_ACCEPT. A server handles a connection's messages in order, so the
 *   request is read once the service is accepted (RFC 4253 §10 has no reply to wait for); sshd does
 *   exactly that. Both go only after the key exchange, so after the host key was verified. When
 *   the first method may need to know which RSA signatures the server takes (an RSA key, an
 *   agent's keys), the request waits for the server's EXT_INFO, which OpenSSH sends with its
 *   NEWKEYS; a server that sends none gets it after SERVICE_ACCEPT, as before.
 * - A key whose private half is here signs its first request, instead of asking the server first
 *   whether it would accept the key (the "query" and its USERAUTH_PK_OK). The server answers
 *   SUCCESS or FAILURE either way; a key it refuses goes on to the next method as before. Keys in
 *   ssh-agent are still queried first: an agent may ask its user to confirm each signature.
 *
 * ssh2 has no option for either, so its client's protocol object is wrapped right after
 * connect(). Where that object is not what this expects (another ssh2 version), nothing changes.
 */
export function saveAuthTurns(client: Client, options: { firstMethodNeedsSigAlgs: boolean }): void {
  const proto = (client as unknown as { _protocol?: ClientProtocol })._protocol;
  if (!proto || typeof proto.service !== 'function' || typeof proto.authPK !== 'function') return;
  const handlers = proto._handlers;
  if (!handlers || typeof handlers.SERVICE_ACCEPT !== 'function' || typeof handlers.EXT_INFO !== 'function') return;
  signFirstRequests(proto);
  const open = () => {
    const sock = (client as unknown as { _sock?: { destroyed?: boolean; writable?: boolean } })._sock;
    return sock !== undefined && sock.destroyed !== true && sock.writable !== false;
  };
  pipelineFirstAuth(proto, handlers as Required<Handlers>, open, options.firstMethodNeedsSigAlgs);
}

interface PrivateKey {
  isPrivateKey(): boolean;
  sign(data: Buffer, hash?: string): Buffer | Error;
}

type SendSigned = (data: Buffer, send: (signature: Buffer) => void) => void;

interface Handlers {
  SERVICE_ACCEPT?: (protocol: unknown, name: string) => void;
  EXT_INFO?: (protocol: unknown, extensions: unknown) => void;
}

interface ClientProtocol {
  service(name: string): void;
  authPK(username: string, key: unknown, keyAlgo?: string, sign?: SendSigned): void;
  _handlers?: Handlers;
}

/** The hash ssh2 signs with for a key algorithm (client.js, USERAUTH_PK_OK): only RSA names one. */
function hashOf(keyAlgo: string | undefined): string | undefined {
  if (keyAlgo === 'rsa-sha2-256') return 'sha256';
  if (keyAlgo === 'rsa-sha2-512') return 'sha512';
  if (keyAlgo === 'ssh-rsa') return 'sha1';
  return undefined;
}

function isPrivateKey(key: unknown): key is PrivateKey {
  const candidate = key as Partial<PrivateKey> | null;
  return typeof candidate?.isPrivateKey === 'function' && typeof candidate.sign === 'function' && candidate.isPrivateKey();
}

function signFirstRequests(proto: ClientProtocol): void {
  const authPK = proto.authPK.bind(proto);
  proto.authPK = (username, key, keyAlgo, sign) => {
    if (sign !== undefined || !isPrivateKey(key)) return authPK(username, key, keyAlgo, sign);
    let signed: Buffer | Error | undefined;
    authPK(username, key, keyAlgo, (data, send) => {
      signed = key.sign(data, hashOf(keyAlgo));
      if (!(signed instanceof Error)) send(signed);
    });
    // A key that cannot sign here: ask the server as ssh2 does, and let its own signing report it.
    if (signed instanceof Error) authPK(username, key, keyAlgo);
  };
}

function pipelineFirstAuth(proto: ClientProtocol, handlers: Required<Handlers>, open: () => boolean, needsSigAlgs: boolean): void {
  const accept = handlers.SERVICE_ACCEPT;
  const extInfo = handlers.EXT_INFO;
  let started = false;
  let serviceRequested = false;
  let sigAlgsKnown = !needsSigAlgs;
  // ssh2 starts authenticating on SERVICE_ACCEPT: on the first of the early start and the server's own.
  const start = () => {
    if (started) return;
    started = true;
    accept(proto, 'ssh-userauth');
  };
  const startEarly = () => {
    if (serviceRequested && sigAlgsKnown && open()) start();
  };
  handlers.SERVICE_ACCEPT = (protocol, name) => (name === 'ssh-userauth' ? start() : accept(protocol, name));
  handlers.EXT_INFO = (protocol, extensions) => {
    extInfo(protocol, extensions);
    sigAlgsKnown = true;
    startEarly();
  };
  const service = proto.service.bind(proto);
  proto.service = (name) => {
    service(name);
    if (name !== 'ssh-userauth') return;
    serviceRequested = true;
    // Not from inside ssh2's handshake callback: on the next turn of the event loop.
    setImmediate(startEarly);
  };
}
