import { createHash } from 'node:crypto';

/** OpenSSH's fingerprint format: `SHA256:` and the unpadded base64 of the key blob's SHA-256. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a wire-format public key blob starts with (`ssh-ed25519`, `ssh-rsa`, ...). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  if (length > keyBlob.length - 4) return 'unknown';
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** The name known_hosts files and ssh-keygen -R use for a host: bare on port 22, `[host]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}
