// The clustermesh-apiserver double: `clustermesh-apiserver --config FILE` (written by
// `cilium clustermesh enable`), run by systemd on the master or detached by the CLI.
import { loadDaemonConfig, runDaemon } from '../clustermesh/server.js';

const args = process.argv.slice(2);
const at = args.indexOf('--config');
const path = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--config='))?.slice('--config='.length);
if (!path) {
  process.stderr.write('usage: clustermesh-apiserver --config FILE\n');
  process.exit(2);
}
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
runDaemon(loadDaemonConfig(path), log).then(
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
