import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from './api-client.js';

/** A new certificate key: 32 random bytes (AES-256), hex (`kubeadm certs certificate-key`). */
export function newCertificateKey(): string {
  return randomBytes(32).toString('hex');
}

/** The shared control-plane secrets kubeadm uploads, by file under the pki dir and Secret key. */
const SHARED_FILES: Array<[string, string]> = [
  ['ca.crt', 'ca.crt'], ['ca.key', 'ca.key'],
  ['front-proxy-ca.crt', 'front-proxy-ca.crt'], ['front-proxy-ca.key', 'front-proxy-ca.key'],
  ['etcd/ca.crt', 'etcd-ca.crt'], ['etcd/ca.key', 'etcd-ca.key'],
  ['sa.key', 'sa.key'], ['sa.pub', 'sa.pub'],
];

/** AES-GCM as kubeadm's cryptoutil: nonce, then ciphertext and tag. */
function encrypt(data: Buffer, key: Buffer): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([nonce, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
}

/** kubeadm's `upload-certs` phase: the encrypted shared certificates in Secret kube-system/kubeadm-certs. */
export async function uploadCerts(client: ApiClient, pkiDir: string, certificateKey: string, out: (line: string) => void): Promise<void> {
  out('[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace');
  const key = Buffer.from(certificateKey, 'hex');
  const data: Record<string, string> = {};
  for (const [file, name] of SHARED_FILES) {
    const path = join(pkiDir, file);
    if (existsSync(path)) data[name] = encrypt(readFileSync(path), key).toString('base64');
  }
  await client.createOrUpdate('/api/v1/namespaces/kube-system/secrets', {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'kubeadm-certs', namespace: 'kube-system' }, data,
  });
  out('[upload-certs] Using certificate key:');
  out(certificateKey);
}
