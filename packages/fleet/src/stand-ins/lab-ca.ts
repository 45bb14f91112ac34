import { access, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from './tools.js';

/** The lab's TLS material in `<dir>`: the CA the hosts trust, and the stand-ins' server key and certificate. */
export interface LabTls {
  caCertPath: string;
  /** PEM of the CA certificate (public), for the hosts' trust store. */
  caCertPem: string;
  serverCertPath: string;
  serverKeyPath: string;
}

const CA_DAYS = '3650';
const SERVER_DAYS = '825';

/**
 * A CA of this lab's own (ECDSA P-256) and a server certificate for the stand-ins' name, made with
 * openssl on the controller. Kept when they exist, so a resumed lab keeps the CA its hosts already
 * trust. The keys are 0600 files in `dir` (a lab's or fleet's work dir, never committed).
 */
export async function ensureLabTls(dir: string, serverName: string, label: string): Promise<LabTls> {
  const paths = {
    caCertPath: join(dir, 'ca.crt'),
    caKeyPath: join(dir, 'ca.key'),
    serverCertPath: join(dir, 'server.crt'),
    serverKeyPath: join(dir, 'server.key'),
  };
  const all = Object.values(paths);
  if (!(await Promise.all(all.map(exists))).every(Boolean)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await Promise.all(all.map((path) => rm(path, { force: true })));
    await makeCa(paths.caKeyPath, paths.caCertPath, label);
    await makeServerCertificate(dir, paths, serverName);
  }
  return {
    caCertPath: paths.caCertPath,
    caCertPem: await readFile(paths.caCertPath, 'utf8'),
    serverCertPath: paths.serverCertPath,
    serverKeyPath: paths.serverKeyPath,
  };
}

/** The TLS material a lab already has, or null when any of it is missing (never made here). */
export async function readLabTls(dir: string): Promise<LabTls | null> {
  const caCertPath = join(dir, 'ca.crt');
  const paths = [caCertPath, join(dir, 'ca.key'), join(dir, 'server.crt'), join(dir, 'server.key')];
  if (!(await Promise.all(paths.map(exists))).every(Boolean)) return null;
  return { caCertPath, caCertPem: await readFile(caCertPath, 'utf8'), serverCertPath: paths[2]!, serverKeyPath: paths[3]! };
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(keyPath: string, certPath: string, label: string): Promise<void> {
  await runTool('openssl', [
    'req', '-x509', ...EC_KEY, '-keyout', keyPath, '-out', certPath, '-days', CA_DAYS,
    '-subj', `/O=meshbook/CN=meshbook lab CA (${label})`,
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await chmod(keyPath, 0o600);
}

async function makeServerCertificate(
  dir: string,
  paths: { caCertPath: string; caKeyPath: string; serverCertPath: string; serverKeyPath: string },
  serverName: string,
): Promise<void> {
  const csr = join(dir, 'server.csr');
  const extensions = join(dir, 'server.ext');
  try {
    await runTool('openssl', ['req', ...EC_KEY, '-keyout', paths.serverKeyPath, '-out', csr, '-subj', `/O=meshbook/CN=${serverName}`]);
    await chmod(paths.serverKeyPath, 0o600);
    await writeFile(
      extensions,
      `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${serverName}\n`,
    );
    await runTool('openssl', [
      'x509', '-req', '-in', csr, '-CA', paths.caCertPath, '-CAkey', paths.caKeyPath, '-set_serial', `0x${randomSerial()}`,
      '-days', SERVER_DAYS, '-sha256', '-extfile', extensions, '-out', paths.serverCertPath,
    ]);
  } finally {
    await Promise.all([csr, extensions].map((path) => rm(path, { force: true })));
  }
}

function randomSerial(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('').replace(/^[89a-f]/, '1');
}

function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
