// Starts the API server double: reads the certificates, opens the store in --data-dir, seeds a
// fresh cluster's objects, starts the controllers and serves HTTPS until SIGTERM.
import { readFileSync } from 'node:fs';
import { bootstrap } from './bootstrap.js';
import { startControllers } from './controllers/index.js';
import { FlagError, type Flags, USAGE, parseFlags } from './flags.js';
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
  let flags: Flags | 'help';
  try {
    flags = parseFlags(argv);
  } catch (error) {
    if (error instanceof FlagError) {
      console.error(`Error: ${error.message}\n\n${USAGE}`);
      process.exit(1);
    }
    throw error;
  }
  if (flags === 'help') {
    console.log(USAGE);
    return;
  }
  let cert: string, key: string, clientCa: string;
  try {
    cert = readPem('tls-cert-file', flags.tlsCertFile);
    key = readPem('tls-private-key-file', flags.tlsPrivateKeyFile);
    clientCa = readPem('client-ca-file', flags.clientCaFile);
    if (flags.clusterSigningCertFile) readPem('cluster-signing-cert-file', flags.clusterSigningCertFile);
    if (flags.clusterSigningKeyFile) readPem('cluster-signing-key-file', flags.clusterSigningKeyFile);
  } catch (error) {
    console.error(`Error: ${(error as Error).message}`);
    process.exit(1);
  }
  let store: Store;
  try {
    store = new Store(flags.dataDir);
  } catch (error) {
    console.error(`Error: --data-dir: cannot use ${flags.dataDir} for the double's state: ${(error as Error).message}`);
    process.exit(1);
  }
  const registry = new Registry(store);
  let allocator: ServiceAllocator;
  try {
    allocator = new ServiceAllocator(store, flags.serviceClusterIpRange, flags.serviceNodePortRange);
  } catch (error) {
    console.error(`Error: ${(error as Error).message}`);
    process.exit(1);
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
    console.error(`Error: --tls-cert-file, --tls-private-key-file or --client-ca-file: ${(error as Error).message} (do the certificate and key belong together, and are they PEM?)`);
    process.exit(1);
  }
  const address = `${flags.bindAddress}:${flags.securePort}`;
  const dataDir = flags.dataDir;
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(`Error: failed to listen on ${address}: ${error.code === 'EADDRINUSE' ? 'address already in use' : error.message}`);
    process.exit(1);
  });
  server.listen(flags.securePort, flags.bindAddress, () => {
    console.log(`Serving securely on ${address} (kube-apiserver double, state in ${dataDir})`);
  });
  const stop = (signal: string) => {
    console.log(`${signal}: shutting down`);
    stopControllers();
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
