import { createHash, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { openssl, withScratchDir, writePrivate } from './openssl.js';

/** A certificate and its private key, both PEM. */
export interface CertAndKey {
  cert: string;
  key: string;
}

export type Usage = 'server' | 'client';

export interface CertSpec {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ips?: string[];
  usages: Usage[];
  validityDays: number;
}

/** kubeadm's defaults: CAs for ten years, leaf certificates for one. */
export const CA_VALIDITY_DAYS = 3650;
export const CERT_VALIDITY_DAYS = 365;

/** An RSA 2048 key (kubeadm's default encryptionAlgorithm RSA-2048), PKCS#8 PEM. */
export function newPrivateKey(): string {
  return openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
}

/** The PEM public key of a private key (kubeadm's `sa.pub`). */
export function publicKeyOf(keyPem: string): string {
  return createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }).toString();
}

/** A self-signed CA, as kubeadm's `ca`, `front-proxy-ca` and `etcd/ca`. */
export function newCA(commonName: string, validityDays = CA_VALIDITY_DAYS): CertAndKey {
  const key = newPrivateKey();
  const cert = withScratchDir((dir) => {
    const keyFile = join(dir, 'ca.key');
    writePrivate(keyFile, key);
    return openssl([
      'req', '-x509', '-new', '-utf8', '-sha256', '-key', keyFile, '-days', String(validityDays),
      '-subj', subject(commonName, []), '-set_serial', randomSerial(),
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      '-addext', 'subjectKeyIdentifier=hash',
    ]);
  });
  return { cert, key };
}

/** A new key and a certificate for it signed by `ca`. */
export function newSignedCert(ca: CertAndKey, spec: CertSpec): CertAndKey {
  const key = newPrivateKey();
  return { cert: signKey(ca, key, spec), key };
}

/** A certificate for an existing key, signed by `ca`. */
export function signKey(ca: CertAndKey, keyPem: string, spec: CertSpec): string {
  const csr = newCsr(keyPem, spec.commonName, spec.organizations ?? []);
  return signCsr(ca, csr, spec);
}

/** A PKCS#10 request for `keyPem` with subject O=…/CN=… (the kubelet's TLS bootstrap sends one). */
export function newCsr(keyPem: string, commonName: string, organizations: string[]): string {
  return withScratchDir((dir) => {
    const keyFile = join(dir, 'leaf.key');
    writePrivate(keyFile, keyPem);
    return openssl(['req', '-new', '-utf8', '-sha256', '-key', keyFile, '-subj', subject(commonName, organizations)]);
  });
}

/** Signs a CSR with the CA; subject from the CSR, extensions from `spec` (never from the request). */
export function signCsr(ca: CertAndKey, csrPem: string, spec: Omit<CertSpec, 'commonName' | 'organizations'>): string {
  return withScratchDir((dir) => {
    writePrivate(join(dir, 'ca.key'), ca.key);
    writePrivate(join(dir, 'ca.crt'), ca.cert);
    writePrivate(join(dir, 'leaf.csr'), csrPem);
    writePrivate(join(dir, 'ext.cnf'), extensions(spec));
    return openssl([
      'x509', '-req', '-sha256', '-in', join(dir, 'leaf.csr'), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'),
      '-set_serial', randomSerial(), '-days', String(spec.validityDays), '-extfile', join(dir, 'ext.cnf'),
    ]);
  });
}

/**
 * kubeadm's discovery hash: `sha256:` and the hex SHA-256 of the CA's DER SubjectPublicKeyInfo
 * (what `--discovery-token-ca-cert-hash` pins).
 */
export function caCertHash(caCertPem: string): string {
  const spki = new X509Certificate(caCertPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

function extensions(spec: Omit<CertSpec, 'commonName' | 'organizations'>): string {
  const eku = spec.usages.map((u) => (u === 'server' ? 'serverAuth' : 'clientAuth'));
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku.join(',')}`,
    'authorityKeyIdentifier=keyid',
  ];
  const sans = [
    ...(spec.dnsNames ?? []).map((name) => `DNS:${checkedDnsName(name)}`),
    ...(spec.ips ?? []).map((ip) => `IP:${checkedIp(ip)}`),
  ];
  if (sans.length > 0) lines.push(`subjectAltName=${sans.join(',')}`);
  return `${lines.join('\n')}\n`;
}

/** openssl's `-subj` grammar: `/O=a/CN=b`, where `/`, `+` and `\` in a value are backslash-escaped. */
function subject(commonName: string, organizations: string[]): string {
  const parts = [...organizations.map((o) => `O=${subjectValue(o)}`), `CN=${subjectValue(commonName)}`];
  return `/${parts.join('/')}`;
}

function subjectValue(value: string): string {
  if (value.length === 0 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new Error(`invalid certificate subject value ${JSON.stringify(value)}: empty or has control characters`);
  }
  return value.replace(/[\\/+]/g, (c) => `\\${c}`);
}

function checkedDnsName(name: string): string {
  if (!/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(name)) {
    throw new Error(`invalid DNS name for a certificate: ${JSON.stringify(name)}`);
  }
  return name;
}

function checkedIp(ip: string): string {
  if (isIP(ip) === 0) throw new Error(`invalid IP address for a certificate: ${JSON.stringify(ip)}`);
  return ip;
}

function randomSerial(): string {
  // positive 127-bit serial (RFC 5280 allows up to 20 octets)
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return `0x${bytes.toString('hex')}`;
}
