// The cilium-cli double: `cilium <command>` against the Kubernetes API named by the kubeconfig.
import { main } from '../cilium/cli.js';

main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`\nError: ${err.message}\n`);
    process.exitCode = 1;
  },
);
