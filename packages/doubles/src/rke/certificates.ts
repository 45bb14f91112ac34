import { X509Certificate } from 'node:crypto';
import { CA_VALIDITY_DAYS, CERT_VALIDITY_DAYS, newCA, newSignedCert, type CertAndKey, type CertSpec } from '../pki/certs.js';
import { firstServiceIp, type RkeConfig } from './cluster-config.js';

/** One entry of cluster.rkestate's certificatesBundle (RKE's field names). */
export interface BundleCert {
  name: string;
  commonName: string;
  ouName: string;
  certificatePEM: string;
  keyPEM: string;
  path: string;
  keyPath: string;
}

export type CertificatesBundle = Record<string, BundleCert>;

export const SSL_DIR = '/etc/kubernetes/ssl';
export const KUBE_CA = 'kube-ca';
export const KUBE_APISERVER = 'kube-apiserver';
export const KUBE_ADMIN = 'kube-admin';
export const nodeCertName = (nodeName: string) => `kube-node-${nodeName}`;

/**
 * The cluster's certificates: the previous state's when they still fit (so a second `rke up`
 * changes nothing), new ones otherwise. RKE's own names and /etc/kubernetes/ssl paths; one client
 * certificate per node (system:node:<name>), where RKE shares one `kube-node` among all nodes,
 * because the API server double's node authorizer lets a node write only its own Node.
 */
export function certificatesFor(config: RkeConfig, previous: CertificatesBundle, log: (line: string) => void): CertificatesBundle {
  const bundle: CertificatesBundle = {};
  const caPrev = previous[KUBE_CA];
  const ca: CertAndKey = caPrev ? { cert: caPrev.certificatePEM, key: caPrev.keyPEM } : (log('[certificates] Generating CA kubernetes certificates'), newCA('kube-ca', CA_VALIDITY_DAYS));
  bundle[KUBE_CA] = entry(KUBE_CA, 'kube-ca', '', ca);
  const controlPlane = config.nodes.filter((n) => n.role.includes('controlplane'));
  const apiSans = {
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${config.clusterDomain}`, ...controlPlane.map((n) => n.nodeName)],
    ips: [...new Set(['127.0.0.1', firstServiceIp(config.serviceClusterIpRange), ...controlPlane.flatMap((n) => [n.address, n.internalAddress])])],
  };
  const leaf = (name: string, spec: Omit<CertSpec, 'validityDays'>) => {
    const prev = previous[name];
    const fits = prev && prev.commonName === spec.commonName && prev.ouName === (spec.organizations ?? []).join(',')
      && signedBy(prev.certificatePEM, ca.cert) && sameSans(prev.certificatePEM, spec);
    const pair = fits ? { cert: prev.certificatePEM, key: prev.keyPEM } : (log(`[certificates] Generating ${name} certificate and key`), newSignedCert(ca, { ...spec, validityDays: CERT_VALIDITY_DAYS }));
    bundle[name] = entry(name, spec.commonName, (spec.organizations ?? []).join(','), pair);
  };
  leaf(KUBE_APISERVER, { commonName: 'kube-apiserver', usages: ['server', 'client'], ...apiSans });
  leaf(KUBE_ADMIN, { commonName: 'kube-admin', organizations: ['system:masters'], usages: ['client'] });
  for (const node of config.nodes) leaf(nodeCertName(node.nodeName), { commonName: `system:node:${node.nodeName}`, organizations: ['system:nodes'], usages: ['client'] });
  return bundle;
}

function entry(name: string, commonName: string, ouName: string, pair: CertAndKey): BundleCert {
  const file = name.startsWith('kube-node-') ? 'kube-node' : name;
  return { name, commonName, ouName, certificatePEM: pair.cert, keyPEM: pair.key, path: `${SSL_DIR}/${file}.pem`, keyPath: `${SSL_DIR}/${file}-key.pem` };
}

function signedBy(certPem: string, caPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkIssued(new X509Certificate(caPem));
  } catch {
    return false;
  }
}

function sameSans(certPem: string, spec: Omit<CertSpec, 'validityDays'>): boolean {
  const have = (new X509Certificate(certPem).subjectAltName ?? '').split(', ').filter(Boolean).sort();
  const want = [...(spec.dnsNames ?? []).map((d) => `DNS:${d}`), ...(spec.ips ?? []).map((ip) => `IP Address:${ip}`)].sort();
  return JSON.stringify(have) === JSON.stringify(want);
}
