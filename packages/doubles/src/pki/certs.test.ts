import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { caCertHash, newCA, newCsr, newPrivateKey, newSignedCert, signCsr } from './certs.js';

const dir = mkdtempSync(join(tmpdir(), 'pki-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function opensslVerify(caPem: string, certPem: string): string {
  writeFileSync(join(dir, 'ca.pem'), caPem);
  writeFileSync(join(dir, 'leaf.pem'), certPem);
  try {
    return execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('pki', () => {
  const ca = newCA('kubernetes');
  const other = newCA('kubernetes');

  it('makes a self-signed CA that openssl accepts as a CA', () => {
    const cert = new X509Certificate(ca.cert);
    expect(cert.subject).toBe('CN=kubernetes');
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it('signs a serving certificate for the given DNS names and IPs, verifiable by that CA only', () => {
    const leaf = newSignedCert(ca, { commonName: 'kube-apiserver', dnsNames: ['node1', 'kubernetes.default.svc'], ips: ['10.96.0.1', '172.18.0.2'], usages: ['server'], validityDays: 365 });
    const cert = new X509Certificate(leaf.cert);
    expect(cert.subjectAltName).toBe('DNS:node1, DNS:kubernetes.default.svc, IP Address:10.96.0.1, IP Address:172.18.0.2');
    expect(cert.checkIP('172.18.0.2')).toBe('172.18.0.2');
    expect(cert.ca).toBe(false);
    expect(opensslVerify(ca.cert, leaf.cert)).toMatch(/: OK$/);
    expect(opensslVerify(other.cert, leaf.cert)).not.toMatch(/: OK$/);
    expect(cert.checkPrivateKey(createPrivateKey(leaf.key))).toBe(true);
  });

  it('puts groups in O and the user in CN of client certificates; odd characters are escaped, not interpreted', () => {
    const leaf = newSignedCert(ca, { commonName: 'system:node:node2', organizations: ['system:nodes', 'a/b+c'], usages: ['client'], validityDays: 1 });
    const cert = new X509Certificate(leaf.cert);
    expect(execFileSync('openssl', ['x509', '-noout', '-subject', '-nameopt', 'oneline'], { input: leaf.cert, encoding: 'utf8' }).trim())
      .toBe('subject=O = system:nodes, O = "a/b+c", CN = system:node:node2');
    expect(execFileSync('openssl', ['x509', '-noout', '-ext', 'extendedKeyUsage'], { input: leaf.cert, encoding: 'utf8' })).toContain('TLS Web Client Authentication');
  });

  it('signs a CSR keeping its subject', () => {
    const key = newPrivateKey();
    const cert = new X509Certificate(signCsr(ca, newCsr(key, 'system:node:w1', ['system:nodes']), { usages: ['client'], validityDays: 1 }));
    expect(cert.subject).toBe('O=system:nodes\nCN=system:node:w1');
  });

  it('refuses SANs that are not DNS names or IPs', () => {
    expect(() => newSignedCert(ca, { commonName: 'x', dnsNames: ['bad name,DNS:evil'], usages: ['server'], validityDays: 1 })).toThrow(/invalid DNS name/);
    expect(() => newSignedCert(ca, { commonName: 'x', ips: ['300.1.1.1'], usages: ['server'], validityDays: 1 })).toThrow(/invalid IP/);
  });

  it('computes the discovery hash as openssl does from the public key DER', () => {
    const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout'], { input: ca.cert });
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
    const hex = execFileSync('openssl', ['dgst', '-sha256', '-hex'], { input: der, encoding: 'utf8' }).trim().split(' ').at(-1);
    expect(caCertHash(ca.cert)).toBe(`sha256:${hex}`);
    expect(caCertHash(other.cert)).not.toBe(caCertHash(ca.cert));
  });
});
