import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The PKI is made by the openssl CLI (as an operator would with `kubeadm init phase certs` absent),
 * so the certificates are real X.509 that Go's TLS stack (kubectl, helm) verifies. Keys and
 * certificates travel as PEM strings; openssl only ever sees them in a private temp dir.
 */
export function openssl(args: string[], input?: string): string {
  try {
    return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    // the first line of openssl's complaint; never the input (it may be a private key)
    throw new Error(`openssl ${args[0]} failed: ${stderr.split('\n').find((l) => l.trim()) ?? String(error)}`);
  }
}

/** Runs `body` with a private (0700) scratch dir that is removed afterwards, whatever happens. */
export function withScratchDir<T>(body: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'kubeadm-pki-'));
  try {
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
