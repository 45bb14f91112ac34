import { execOrThrow } from '../exec.js';

/** Where the lab CA goes on a host: update-ca-certificates adds it to the system bundle. */
export const LAB_CA_HOST_PATH = '/usr/local/share/ca-certificates/meshbook-lab-ca.crt';

/**
 * Makes a host trust the lab CA the way an administrator would: the certificate in
 * /usr/local/share/ca-certificates, then update-ca-certificates. apt (GnuTLS), curl and helm all
 * read the resulting /etc/ssl/certs/ca-certificates.crt.
 */
export async function trustLabCa(containerId: string, caCertPem: string): Promise<void> {
  await execOrThrow(containerId, ['sh', '-c', `cat > ${LAB_CA_HOST_PATH} && update-ca-certificates >/dev/null`], { stdin: caCertPem });
}
