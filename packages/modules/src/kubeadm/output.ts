import { MASK, MeshbookError, Secret } from '@meshbook/engine';
import type { CommandResult, ShellCommand } from '@meshbook/engine';
import { BOOTSTRAP_TOKEN, CA_CERT_HASH, CERTIFICATE_KEY } from './grammar.js';

/**
 * kubeadm's output with its secrets masked: bootstrap tokens (anywhere), certificate keys (64 hex
 * digits that are not a sha256: CA hash), and what follows --token / --certificate-key / token:.
 * Applied before any of kubeadm's text reaches an error, a progress line or a result.
 */
export function maskKubeadmOutput(text: string): string {
  return text
    .replace(/(--token[= ]\s*|--discovery-token[= ]\s*|--certificate-key[= ]\s*|\btoken:\s*)(?!<value withheld>)\S+/g, `$1${MASK}`)
    .replace(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, MASK)
    .replace(/(^|[^:0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g, `$1${MASK}`);
}

/** The certificate key printed by --upload-certs ("[upload-certs] Using certificate key:" then the key). */
export function parseCertificateKey(stdout: string): Secret | null {
  const m = /Using certificate key:\s*\n\s*([0-9a-f]{64})\s*(\n|$)/.exec(stdout);
  return m ? new Secret(m[1]!) : null;
}

/** The cross-host value a master hands its joining nodes. Token and key are Secrets. */
export interface JoinCommand {
  /** host:port of the API server, as the admin kubeconfig names it. */
  endpoint: string;
  token: Secret;
  /** sha256:<hex> of the cluster CA's public key. */
  caCertHash: string;
  certificateKey?: Secret;
}

/**
 * `kubeadm token create --print-join-command` prints one line (split on whitespace):
 * `kubeadm join HOST:PORT --token T --discovery-token-ca-cert-hash sha256:H [--control-plane --certificate-key K]`.
 */
export function parseJoinCommand(line: string): JoinCommand | null {
  const words = line.trim().split(/\s+/);
  if (words[0] !== 'kubeadm' || words[1] !== 'join' || !words[2]) return null;
  const value = (flag: string) => {
    const i = words.indexOf(flag);
    return i > 0 ? words[i + 1] : undefined;
  };
  const token = value('--token');
  const caCertHash = value('--discovery-token-ca-cert-hash');
  const certificateKey = value('--certificate-key');
  if (!token || !BOOTSTRAP_TOKEN.test(token) || !caCertHash || !CA_CERT_HASH.test(caCertHash)) return null;
  if (certificateKey !== undefined && !CERTIFICATE_KEY.test(certificateKey)) return null;
  return {
    endpoint: words[2],
    token: new Secret(token),
    caCertHash,
    ...(certificateKey ? { certificateKey: new Secret(certificateKey) } : {}),
  };
}

/** kubeadm's own first error line ("error execution phase preflight: ..."), and the failed preflight checks, masked. */
export function kubeadmErrorLine(result: CommandResult): string {
  const lines = maskKubeadmOutput(result.stderr || result.stdout).split('\n').map((l) => l.trim()).filter(Boolean);
  const first = lines.find((l) => /^(error|failed|couldn't|unable|\[ERROR)/i.test(l)) ?? lines[0] ?? `exit code ${result.exitCode}`;
  const checks = lines.filter((l) => l.startsWith('[ERROR ') && l !== first);
  return checks.length > 0 ? `${first} ${checks.join('; ')}` : first;
}

/** A failed kubeadm run as an error: kubeadm's words (masked), the host, a fix when one is known. */
export function kubeadmFailure(host: string, what: string, command: ShellCommand, result: CommandResult, hint?: string): MeshbookError {
  return new MeshbookError('COMMAND_FAILED', `${what} failed: ${kubeadmErrorLine(result)}`, {
    host,
    command: command.display,
    exitCode: result.exitCode,
    stdout: maskKubeadmOutput(result.stdout),
    stderr: maskKubeadmOutput(result.stderr),
    hint,
  });
}
