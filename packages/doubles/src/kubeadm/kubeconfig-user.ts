import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERT_VALIDITY_DAYS, newSignedCert, type CertAndKey } from '../pki/certs.js';
import { renderKubeconfig } from '../pki/kubeconfig.js';
import { parseDuration, type InitConfig } from './config.js';
import { KubeadmError } from './errors.js';
import { controlPlaneUrl } from './kubeconfig-phase.js';

export interface KubeconfigUserOptions {
  clientName?: string;
  orgs: string[];
  validityPeriod?: string;
  token?: string;
}

/** `kubeadm kubeconfig user`: a kubeconfig for a new client identity, signed by the cluster CA. */
export function kubeconfigUser(options: KubeconfigUserOptions, config: InitConfig): string {
  if (!options.clientName) throw new KubeadmError('missing required argument --client-name');
  const pkiDir = config.certificatesDir;
  const caPaths = [join(pkiDir, 'ca.crt'), join(pkiDir, 'ca.key')];
  for (const path of caPaths) {
    if (!existsSync(path)) {
      throw new KubeadmError(`couldn't create a kubeconfig; the CA files couldn't be loaded: failure loading ca certificate: couldn't load the certificate file ${caPaths[0]}: open ${path}: no such file or directory`);
    }
  }
  const ca: CertAndKey = { cert: readFileSync(caPaths[0]!, 'utf8'), key: readFileSync(caPaths[1]!, 'utf8') };
  const server = controlPlaneUrl(config);
  if (options.token) {
    return renderKubeconfig({ clusterName: config.clusterName, server, caCert: ca.cert, userName: options.clientName, token: options.token });
  }
  const seconds = options.validityPeriod ? parseDuration(options.validityPeriod) : CERT_VALIDITY_DAYS * 86400;
  if (Number.isNaN(seconds) || seconds <= 0) throw new KubeadmError(`invalid argument "${options.validityPeriod}" for "--validity-period" flag: time: invalid duration "${options.validityPeriod}"`);
  const client = newSignedCert(ca, {
    commonName: options.clientName, organizations: options.orgs, usages: ['client'], validityDays: Math.max(1, Math.round(seconds / 86400)),
  });
  return renderKubeconfig({ clusterName: config.clusterName, server, caCert: ca.cert, userName: options.clientName, clientCert: client.cert, clientKey: client.key });
}
