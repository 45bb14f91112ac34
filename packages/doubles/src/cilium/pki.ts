// The cilium CA and the clustermesh certificates, made with openssl as Cilium's certgen makes
// them (ECDSA P-256; a CA "Cilium CA"; leaf certificates signed by it). Node's crypto can check
// certificates but not write them, and openssl is on every Debian host (ca-certificates needs it).
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

export interface LeafSpec {
  commonName: string;
  /** Subject O (a Kubernetes client certificate's group, e.g. system:masters). */
  organization?: string;
  dnsNames?: string[];
  ips?: string[];
  usage: 'server' | 'client' | 'server+client';
  days?: number;
}

const dnsName = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const subjectValue = /^[A-Za-z0-9 ._:-]{1,64}$/;

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cilium-pki-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr || (err as Error).message}`);
  }
}

function checkSubject(value: string, field: string): void {
  if (!subjectValue.test(value)) throw new Error(`${field} ${JSON.stringify(value)} is not a plain certificate subject value`);
}

/** A new self-signed CA, as the chart's certgen creates `cilium-ca` when it is missing. */
export function generateCa(commonName = 'Cilium CA', days = 1095): KeyPair {
  checkSubject(commonName, 'CA common name');
  return withTempDir((dir) => {
    openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${commonName}`, '-days', String(days),
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
        '-keyout', 'ca.key', '-out', 'ca.crt'],
      dir,
    );
    return { certPem: readFileSync(join(dir, 'ca.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'ca.key'), 'utf8') };
  });
}

/** A leaf certificate signed by `ca`, with the given names and usage. */
export function issueCertificate(ca: KeyPair, spec: LeafSpec): KeyPair {
  checkSubject(spec.commonName, 'common name');
  if (spec.organization !== undefined) checkSubject(spec.organization, 'organization');
  const subject = `${spec.organization !== undefined ? `/O=${spec.organization}` : ''}/CN=${spec.commonName}`;
  const sans: string[] = [];
  for (const name of spec.dnsNames ?? []) {
    if (!dnsName.test(name)) throw new Error(`DNS name ${JSON.stringify(name)} is not a valid certificate name`);
    sans.push(`DNS:${name}`);
  }
  for (const ip of spec.ips ?? []) {
    if (isIP(ip) === 0) throw new Error(`IP address ${JSON.stringify(ip)} is not valid`);
    sans.push(`IP:${ip}`);
  }
  const eku = spec.usage === 'server' ? 'serverAuth' : spec.usage === 'client' ? 'clientAuth' : 'serverAuth,clientAuth';
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
    ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
  ].join('\n');
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    writeFileSync(join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'ext.cnf'), ext + '\n');
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', subject, '-keyout', 'leaf.key', '-out', 'leaf.csr'], dir);
    openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomSerial()}`, '-days', String(spec.days ?? 1095), '-extfile', 'ext.cnf', '-out', 'leaf.crt'], dir);
    return { certPem: readFileSync(join(dir, 'leaf.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'leaf.key'), 'utf8') };
  });
}

function randomSerial(): string {
  return Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join('').replace(/^0/, '1');
}

/** Whether `certPem` was signed by the CA in `caPem` (issuer name and signature both match). */
export function chainsTo(certPem: string, caPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** Whether a key pair belongs together (the certificate's public key is the key's). */
export function keyMatches(pair: KeyPair): boolean {
  try {
    const fromCert = new X509Certificate(pair.certPem).publicKey.export({ type: 'spki', format: 'der' });
    const fromKey = createPublicKey(createPrivateKey(pair.keyPem)).export({ type: 'spki', format: 'der' });
    return Buffer.compare(fromCert, fromKey) === 0;
  } catch {
    return false;
  }
}

/** SHA-256 fingerprint of a certificate, for messages that must not print the certificate. */
export function fingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}
