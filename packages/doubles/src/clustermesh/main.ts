// The clustermesh-apiserver double's entry point: `--config FILE` (written by
// `cilium clustermesh enable`). Both dist/bin/clustermesh-apiserver.cjs and the cilium executable
// (`cilium __clustermesh-apiserver --config FILE`, for hosts where cilium is one file) run it.
import { loadDaemonConfig, runDaemon } from './server.js';

export function clustermeshApiserverMain(args: string[]): void {
  const at = args.indexOf('--config');
  const path = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  if (!path) {
    process.stderr.write('usage: clustermesh-apiserver --config FILE\n');
    process.exit(2);
  }
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  let config;
  try {
    config = loadDaemonConfig(path);
  } catch (err) {
    log(`fatal: ${(err as Error).message}`);
    process.exit(1);
  }
  runDaemon(config, log).then(
    (daemon) => {
      const stop = () => {
        log('stopping');
        void daemon.stop().then(() => process.exit(0));
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (err: Error) => {
      log(`fatal: ${err.message}`);
      process.exit(1);
    },
  );
}

/** The hidden command word under which the cilium executable runs the daemon. */
export const embeddedCommand = '__clustermesh-apiserver';
