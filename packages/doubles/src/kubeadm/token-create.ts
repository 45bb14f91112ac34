import { readFileSync } from 'node:fs';
import { caCertHash } from '../pki/certs.js';
import { readKubeconfig } from '../pki/kubeconfig.js';
import { ApiClient } from './api-client.js';
import { createBootstrapToken } from './cluster-objects.js';
import { BOOTSTRAP_TOKEN_RE, parseDuration } from './config.js';
import { KubeadmError, validationError } from './errors.js';
import { joinCommandOneLine } from './join-command.js';
import { generateToken } from './token.js';

export interface TokenCreateOptions {
  token?: string;
  kubeconfigPath: string;
  ttl: string;
  description: string;
  usages: string[];
  groups: string[];
  printJoinCommand: boolean;
  certificateKey?: string;
}

function loadAdminKubeconfig(path: string) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KubeadmError(`failed to load admin kubeconfig: open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code}`);
  }
  return readKubeconfig(text);
}

/** `kubeadm token create`: a new bootstrap token (and with --print-join-command, the join line). */
export async function tokenCreate(options: TokenCreateOptions, out: (line: string) => void): Promise<void> {
  const token = options.token ?? generateToken();
  if (!BOOTSTRAP_TOKEN_RE.test(token)) throw new KubeadmError(`the bootstrap token "${token}" was not of the form "[a-z0-9]{6}.[a-z0-9]{16}"`);
  const ttlSeconds = parseDuration(options.ttl);
  if (Number.isNaN(ttlSeconds)) throw validationError([{ path: 'ttl', value: options.ttl, detail: 'invalid duration' }]);
  if (options.certificateKey !== undefined && !/^[0-9a-f]{64}$/.test(options.certificateKey)) {
    throw new KubeadmError('certificate-key must be a 64 characters long hexadecimal string (a 32 bytes AES key)');
  }
  const credentials = loadAdminKubeconfig(options.kubeconfigPath);
  const client = new ApiClient(credentials);
  await createBootstrapToken(client, { token, description: options.description, ttlSeconds, usages: options.usages, groups: options.groups })
    .catch((error: Error) => { throw new KubeadmError(`failed to create or update bootstrap token with name bootstrap-token-${token.slice(0, 6)}: ${error.message}`); });
  if (!options.printJoinCommand) return out(token);
  out(joinCommandOneLine({
    endpoint: credentials.server.replace(/^https:\/\//, ''),
    token,
    caCertHash: caCertHash(credentials.caCert),
    controlPlane: options.certificateKey !== undefined,
    certificateKey: options.certificateKey,
  }));
}
