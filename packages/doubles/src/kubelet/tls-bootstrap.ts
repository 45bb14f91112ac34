import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { storeClientCertificate } from './cert-store.js';
import { newCsr, newPrivateKey } from '../pki/certs.js';
import { readKubeconfig, renderKubeconfig } from '../pki/kubeconfig.js';
import { ApiClient } from '../kubeadm/api-client.js';

export const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

/**
 * The kubelet's TLS bootstrap: with the bootstrap token, submit a CSR for `system:node:<name>`,
 * wait until the cluster signs it, keep key and certificate in `pki/kubelet-client-current.pem`
 * and write the kubeconfig that points at it.
 */
export async function tlsBootstrap(opts: {
  bootstrapKubeconfig: string;
  kubeconfig: string;
  certDir: string;
  nodeName: string;
  log: (line: string) => void;
  timeoutMs?: number;
}): Promise<void> {
  const credentials = readKubeconfig(readFileSync(opts.bootstrapKubeconfig, 'utf8'));
  const client = new ApiClient(credentials);
  const key = newPrivateKey();
  const csr = newCsr(key, `system:node:${opts.nodeName}`, ['system:nodes']);
  const created = await client.create('/apis/certificates.k8s.io/v1/certificatesigningrequests', {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: 'node-csr-' },
    spec: {
      request: Buffer.from(csr).toString('base64'),
      signerName: CLIENT_SIGNER,
      usages: ['digital signature', 'key encipherment', 'client auth'],
    },
  });
  const name = (created.metadata as { name: string }).name;
  opts.log(`"Waiting for client certificate to be issued" csr="${name}"`);
  const deadline = Date.now() + (opts.timeoutMs ?? 240_000);
  let certificate: string | undefined;
  while (!certificate) {
    const current = await client.get<{ status?: { certificate?: string; conditions?: Array<{ type: string; message?: string }> } }>(
      `/apis/certificates.k8s.io/v1/certificatesigningrequests/${encodeURIComponent(name)}`,
    );
    const refused = current.status?.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
    if (refused) throw new Error(`certificate signing request ${name} is ${refused.type.toLowerCase()}: ${refused.message ?? ''}`);
    if (current.status?.certificate) certificate = Buffer.from(current.status.certificate, 'base64').toString();
    else if (Date.now() > deadline) throw new Error(`timed out waiting for the certificate of ${name} to be issued`);
    else await new Promise((r) => setTimeout(r, 500));
  }
  const current = storeClientCertificate(opts.certDir, certificate, key);
  const kubeconfig = renderKubeconfig({
    clusterName: 'default-cluster', server: credentials.server, caCert: credentials.caCert, userName: 'default-auth',
    clientCertFile: current, clientKeyFile: current,
  });
  writeFileSync(`${opts.kubeconfig}.tmp`, kubeconfig, { mode: 0o600 });
  renameSync(`${opts.kubeconfig}.tmp`, opts.kubeconfig);
}
