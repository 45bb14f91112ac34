import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CERT_VALIDITY_DAYS, newCA, newPrivateKey, newSignedCert, publicKeyOf, type CertAndKey, type CertSpec } from '../pki/certs.js';
import { ipv4InSubnet, parseCidr } from './cidr.js';
import type { InitConfig } from './config.js';

/** The names kubeadm gives the files under the certificates dir (`<name>.crt` / `<name>.key`). */
export const CA = 'ca';
export const FRONT_PROXY_CA = 'front-proxy-ca';
export const ETCD_CA = 'etcd/ca';

/** The certificates the control plane needs beside the CAs' own, in kubeadm's order. */
interface LeafCert {
  name: string;
  ca: string;
  spec: (config: InitConfig) => CertSpec;
  /** kubeadm prints the SANs of serving certificates */
  serving?: boolean;
}

function apiServerSans(config: InitConfig): { dnsNames: string[]; ips: string[] } {
  const dnsNames = [config.nodeName, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${config.dnsDomain}`];
  const serviceCidr = parseCidr(config.serviceSubnet.split(',')[0]!)!;
  const ips = [ipv4InSubnet(serviceCidr, 1), config.advertiseAddress];
  const endpointHost = config.controlPlaneEndpoint?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  for (const extra of [...(endpointHost ? [endpointHost] : []), ...config.certSANs]) {
    const list = /^[\d.]+$/.test(extra) || extra.includes(':') ? ips : dnsNames;
    if (!list.includes(extra)) list.push(extra);
  }
  return { dnsNames, ips };
}

const localSans = (config: InitConfig) => ({ dnsNames: [config.nodeName, 'localhost'], ips: [config.advertiseAddress, '127.0.0.1', '::1'] });
const oneYear = CERT_VALIDITY_DAYS;

export const LEAF_CERTS: LeafCert[] = [
  { name: 'apiserver', ca: CA, serving: true, spec: (c) => ({ commonName: 'kube-apiserver', ...apiServerSans(c), usages: ['server'], validityDays: oneYear }) },
  { name: 'apiserver-kubelet-client', ca: CA, spec: () => ({ commonName: 'kube-apiserver-kubelet-client', organizations: ['kubeadm:cluster-admins'], usages: ['client'], validityDays: oneYear }) },
  { name: 'front-proxy-client', ca: FRONT_PROXY_CA, spec: () => ({ commonName: 'front-proxy-client', usages: ['client'], validityDays: oneYear }) },
  { name: 'etcd/server', ca: ETCD_CA, serving: true, spec: (c) => ({ commonName: c.nodeName, ...localSans(c), usages: ['server', 'client'], validityDays: oneYear }) },
  { name: 'etcd/peer', ca: ETCD_CA, serving: true, spec: (c) => ({ commonName: c.nodeName, ...localSans(c), usages: ['server', 'client'], validityDays: oneYear }) },
  { name: 'etcd/healthcheck-client', ca: ETCD_CA, spec: () => ({ commonName: 'kube-etcd-healthcheck-client', usages: ['client'], validityDays: oneYear }) },
  { name: 'apiserver-etcd-client', ca: ETCD_CA, spec: () => ({ commonName: 'kube-apiserver-etcd-client', usages: ['client'], validityDays: oneYear }) },
];

const CA_NAMES: Array<{ name: string; commonName: string; after: string | undefined }> = [
  { name: CA, commonName: 'kubernetes', after: undefined },
  { name: FRONT_PROXY_CA, commonName: 'front-proxy-ca', after: 'apiserver-kubelet-client' },
  { name: ETCD_CA, commonName: 'etcd-ca', after: 'front-proxy-client' },
];

export function readCertAndKey(pkiDir: string, name: string): CertAndKey {
  return { cert: readFileSync(join(pkiDir, `${name}.crt`), 'utf8'), key: readFileSync(join(pkiDir, `${name}.key`), 'utf8') };
}

function writeCertAndKey(pkiDir: string, name: string, pair: CertAndKey): void {
  mkdirSync(dirname(join(pkiDir, name)), { recursive: true, mode: 0o755 });
  writeFileSync(join(pkiDir, `${name}.key`), pair.key, { mode: 0o600 });
  writeFileSync(join(pkiDir, `${name}.crt`), pair.cert, { mode: 0o644 });
}

/**
 * kubeadm's `certs` phase: the three CAs, the leaf certificates and the service-account key pair,
 * each printed as kubeadm prints it. An existing CA is reused ("Using existing …"), as kubeadm does
 * for an external CA.
 */
export function certsPhase(config: InitConfig, pkiDir: string, out: (line: string) => void): void {
  out(`[certs] Using certificateDir folder "${config.certificatesDir}"`);
  const cas = new Map<string, CertAndKey>();
  const ensureCA = (name: string, commonName: string) => {
    if (existsSync(join(pkiDir, `${name}.crt`)) && existsSync(join(pkiDir, `${name}.key`))) {
      out(`[certs] Using existing ${name} certificate authority`);
      cas.set(name, readCertAndKey(pkiDir, name));
      return;
    }
    out(`[certs] Generating "${name}" certificate and key`);
    const ca = newCA(commonName);
    writeCertAndKey(pkiDir, name, ca);
    cas.set(name, ca);
  };
  ensureCA(CA, 'kubernetes');
  for (const leaf of LEAF_CERTS) {
    const caBefore = CA_NAMES.find((c) => c.after === LEAF_CERTS[LEAF_CERTS.indexOf(leaf) - 1]?.name);
    if (caBefore) ensureCA(caBefore.name, caBefore.commonName);
    out(`[certs] Generating "${leaf.name}" certificate and key`);
    const spec = leaf.spec(config);
    if (leaf.serving) {
      out(`[certs] ${leaf.name} serving cert is signed for DNS names [${(spec.dnsNames ?? []).join(' ')}] and IPs [${(spec.ips ?? []).join(' ')}]`);
    }
    writeCertAndKey(pkiDir, leaf.name, newSignedCert(cas.get(leaf.ca)!, spec));
  }
  out('[certs] Generating "sa" key and public key');
  const saKey = newPrivateKey();
  writeFileSync(join(pkiDir, 'sa.key'), saKey, { mode: 0o600 });
  writeFileSync(join(pkiDir, 'sa.pub'), publicKeyOf(saKey), { mode: 0o644 });
}
