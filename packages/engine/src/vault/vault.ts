import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { MeshbookError } from '../errors.js';

/*
 * Ansible Vault, format 1.1 and 1.2 (AES256), as Ansible documents it:
 *
 *   $ANSIBLE_VAULT;1.1;AES256            (1.2 adds ;<vault id>)
 *   <hex, wrapped at 80 columns, of: hex(salt) "\n" hex(hmac) "\n" hex(ciphertext)>
 *
 * Keys: PBKDF2-HMAC-SHA256(password, salt, 10000 rounds, 80 bytes) = AES key (32) | HMAC key (32) |
 * counter IV (16). The HMAC-SHA256 of the ciphertext is checked before AES-256-CTR decrypts it; the
 * plaintext carries PKCS#7 padding.
 */

const HEADER = /^\$ANSIBLE_VAULT;(1\.[12]);AES256(?:;([^\s;]+))?\s*$/;

/** A vault password and the vault id it is for (`--vault-id prod@file`); 'default' otherwise. */
export interface VaultPassword {
  id: string;
  password: string;
  /** Where it came from, for messages: the password file or "--ask-vault-pass". */
  source: string;
}

export function isVaultText(text: string): boolean {
  return text.trimStart().startsWith('$ANSIBLE_VAULT;');
}

/**
 * Decrypts vault text with the passwords given (one with the text's vault id first, then the
 * rest, as Ansible tries them). `where` names the file in errors. Throws BAD_INPUT when no password
 * opens it or the text is not a vault.
 */
export function decryptVault(text: string, passwords: readonly VaultPassword[], where: string): string {
  const [header = '', ...body] = text.trim().split(/\r?\n/);
  const match = HEADER.exec(header.trim());
  if (!match) {
    throw new MeshbookError('BAD_INPUT', `${where}: not an Ansible Vault 1.1/1.2 AES256 text (header ${JSON.stringify(header.slice(0, 40))})`, {
      hint: 're-encrypt it with ansible-vault encrypt',
    });
  }
  const vaultId = match[2];
  if (passwords.length === 0) {
    throw new MeshbookError('BAD_INPUT', `${where} is encrypted with Ansible Vault${vaultId ? ` (vault id ${vaultId})` : ''} and no vault password was given`, {
      hint: 'pass --vault-password-file FILE or --ask-vault-pass',
    });
  }
  const payload = parsePayload(body.join('').replace(/\s+/g, ''), where);
  const ordered = [...passwords.filter((p) => p.id === vaultId), ...passwords.filter((p) => p.id !== vaultId)];
  for (const candidate of ordered) {
    const plain = tryDecrypt(payload, candidate.password);
    if (plain !== undefined) return plain;
  }
  throw new MeshbookError('BAD_INPUT', `${where}: the vault password does not decrypt it (tried ${ordered.map((p) => p.source).join(', ')})`, {
    hint: vaultId ? `give the password of vault id ${vaultId} (--vault-password-file FILE)` : 'check the vault password file, or re-encrypt the value with this password',
  });
}

interface Payload {
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

function parsePayload(hex: string, where: string): Payload {
  const bad = () =>
    new MeshbookError('BAD_INPUT', `${where}: the vault text is damaged (not the hex of salt, HMAC and ciphertext)`, {
      hint: 'copy the whole encrypted block again, or re-encrypt it with ansible-vault',
    });
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw bad();
  const parts = Buffer.from(hex, 'hex').toString('latin1').split('\n');
  if (parts.length !== 3 || !parts.every((part) => /^(?:[0-9a-fA-F]{2})+$/.test(part))) throw bad();
  const [salt = '', hmac = '', ciphertext = ''] = parts;
  return { salt: Buffer.from(salt, 'hex'), hmac: Buffer.from(hmac, 'hex'), ciphertext: Buffer.from(ciphertext, 'hex') };
}

function tryDecrypt(payload: Payload, password: string): string | undefined {
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), payload.salt, 10000, 80, 'sha256');
  const aesKey = derived.subarray(0, 32);
  const hmacKey = derived.subarray(32, 64);
  const iv = derived.subarray(64, 80);
  const expected = createHmac('sha256', hmacKey).update(payload.ciphertext).digest();
  if (expected.length !== payload.hmac.length || !timingSafeEqual(expected, payload.hmac)) return undefined;
  const decipher = createDecipheriv('aes-256-ctr', aesKey, iv);
  const padded = Buffer.concat([decipher.update(payload.ciphertext), decipher.final()]);
  const pad = padded.at(-1) ?? 0;
  if (pad < 1 || pad > 16 || pad > padded.length) return undefined;
  return padded.subarray(0, padded.length - pad).toString('utf8');
}
