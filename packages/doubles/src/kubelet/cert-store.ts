import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The kubelet's client certificate store: `kubelet-client-<timestamp>.pem` (certificate and key)
 * and the `kubelet-client-current.pem` symlink that kubelet.conf names; returns that link's path.
 */
export function storeClientCertificate(certDir: string, certificate: string, key: string, now = new Date()): string {
  mkdirSync(certDir, { recursive: true, mode: 0o755 });
  const stamp = now.toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '-');
  const pemFile = join(certDir, `kubelet-client-${stamp}.pem`);
  writeFileSync(pemFile, `${certificate.trimEnd()}\n${key}`, { mode: 0o600 });
  const current = join(certDir, 'kubelet-client-current.pem');
  const staging = `${current}.tmp`;
  rmSync(staging, { force: true });
  symlinkSync(pemFile, staging);
  renameSync(staging, current);
  return current;
}
