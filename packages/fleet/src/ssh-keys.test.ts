import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from './ssh-keys.js';

/** Reads the SSH wire format's length-prefixed strings. */
function reader(buffer: Buffer) {
  let offset = 0;
  return {
    uint32: () => ((offset += 4), buffer.readUInt32BE(offset - 4)),
    string(): Buffer {
      const length = this.uint32();
      offset += length;
      return buffer.subarray(offset - length, offset);
    },
    rest: () => buffer.subarray(offset),
  };
}

describe('generateEd25519KeyPair', () => {
  const pair = generateEd25519KeyPair('fleet-test');

  it('writes an unencrypted openssh-key-v1 file whose keys match the public key line', () => {
    const base64 = pair.privateKey.split('\n').filter((line) => line && !line.startsWith('-----')).join('');
    expect(pair.privateKey.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n')).toBe(true);
    const body = Buffer.from(base64, 'base64');
    const magic = 'openssh-key-v1\0';
    expect(body.subarray(0, magic.length).toString()).toBe(magic);
    const file = reader(body.subarray(magic.length));
    expect(file.string().toString()).toBe('none');
    expect(file.string().toString()).toBe('none');
    expect(file.string()).toHaveLength(0);
    expect(file.uint32()).toBe(1);
    const publicBlob = file.string();
    const [type, publicBase64, comment] = pair.publicKey.split(' ');
    expect(type).toBe('ssh-ed25519');
    expect(comment).toBe('fleet-test');
    expect(publicBlob.toString('base64')).toBe(publicBase64);

    const section = file.string();
    expect(section.length % 8).toBe(0);
    const secret = reader(section);
    expect(secret.uint32()).toBe(secret.uint32());
    expect(secret.string().toString()).toBe('ssh-ed25519');
    const pub = secret.string();
    const seedAndPub = secret.string();
    expect(secret.string().toString()).toBe('fleet-test');
    expect(seedAndPub.subarray(32)).toEqual(pub);

    // the seed really is the private half of that public key: sign with one, verify with the other
    const privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: seedAndPub.subarray(0, 32).toString('base64url'), x: pub.toString('base64url') },
      format: 'jwk',
    });
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pub.toString('base64url') }, format: 'jwk' });
    const signature = sign(null, Buffer.from('hello'), privateKey);
    expect(verify(null, Buffer.from('hello'), publicKey, signature)).toBe(true);
  });

  it('gives a new key every time', () => {
    expect(generateEd25519KeyPair('x').publicKey).not.toBe(generateEd25519KeyPair('x').publicKey);
  });
});
