// Starts the API server double: reads the certificates, opens the store in --data-dir, seeds a
// fresh cluster's objects, starts the controllers and serves HTTPS until SIGTERM.
import { readFileSync } from 'node:fs';
import { bootstrap } from './bootstrap.js';
import { startControllers } from './controllers/index.js';
import { exitWithError, flagsOrExit, stopOnSignals } from '../startup.js';
import { FlagError, USAGE, parseFlags } from './flags.js';
import { Registry } from './registry.js';
import type { Context } from './rest.js';
import { startServer } from './server.js';
import { ServiceAllocator } from './service-allocation.js';
import { Store } from './store.js';

function readPem(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new FlagError(`--${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function main(argv: string[]): void {
  const flags = flagsOrExit(argv, parseFlags, USAGE);
  if (!flags) return;
  let cert: string, key: string, clientCa: string;
  try {
    cert = readPem('tls-cert-file', flags.tlsCertFile);
    key = readPem('tls-private-key-file', flags.tlsPrivateKeyFile);
    clientCa = readPem('client-ca-file', flags.clientCaFile);
    if (flags.clusterSigningCertFile) readPem('cluster-signing-cert-file', flags.clusterSigningCertFile);
    if (flags.clusterSigningKeyFile) readPem('cluster-signing-key-file', flags.clusterSigningKeyFile);
  } catch (error) {
    exitWithError((error as Error).message);
  }
  let store: Store;
  try {
    store = new Store(flags.dataDir);
  } catch (error) {
    exitWithError(`--data-dir: cannot use ${flags.dataDir} for the double's state: ${(error as Error).message}`);
  }
  const registry = new Registry(store);
  let allocator: ServiceAllocator;
  try {
    allocator = new ServiceAllocator(store, flags.serviceClusterIpRange, flags.serviceNodePortRange);
  } catch (error) {
    exitWithError((error as Error).message);
  }
  const ctx: Context = { store, registry, allocator };
  bootstrap(ctx, flags.advertiseAddress, flags.securePort);
  const signer = flags.clusterSigningCertFile && flags.clusterSigningKeyFile ? { certFile: flags.clusterSigningCertFile, keyFile: flags.clusterSigningKeyFile } : undefined;
  const stopControllers = startControllers(ctx, { nodeGracePeriodSeconds: flags.nodeMonitorGracePeriodSeconds, caCertificate: clientCa, signer, ...(flags.clusterCidr ? { clusterCidr: flags.clusterCidr } : {}) });
  let server: ReturnType<typeof startServer>;
  try {
    server = startServer(ctx, {
      cert, key, clientCa,
      advertisedAddress: `${flags.advertiseAddress}:${flags.securePort}`,
      verbosity: flags.verbosity,
      bootstrapTokens: flags.enableBootstrapTokenAuth,
    });
  } catch (error) {
    exitWithError(`--tls-cert-file, --tls-private-key-file or --client-ca-file: ${(error as Error).message} (do the certificate and key belong together, and are they PEM?)`);
  }
  const address = `${flags.bindAddress}:${flags.securePort}`;
  const dataDir = flags.dataDir;
  server.on('error', (error: NodeJS.ErrnoException) => {
    exitWithError(`failed to listen on ${address}: ${error.code === 'EADDRINUSE' ? 'address already in use' : error.message}`);
  });
  server.listen(flags.securePort, flags.bindAddress, () => {
    console.log(`Serving securely on ${address} (kube-apiserver double, state in ${dataDir})`);
  });
  stopOnSignals((signal) => {
    console.log(`${signal}: shutting down`);
    stopControllers();
    server.close();
    server.closeAllConnections();
  });
}
