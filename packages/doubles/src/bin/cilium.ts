// The cilium-cli double: `cilium <command>` against the Kubernetes API named by the kubeconfig.
// `cilium __clustermesh-apiserver --config FILE` runs the clustermesh-apiserver double, so that a
// host with only the cilium executable (the cilium-cli tarball holds one file) can run it.
import { main } from '../cilium/cli.js';
import { clustermeshApiserverMain, embeddedCommand } from '../clustermesh/main.js';

if (process.argv[2] === embeddedCommand) {
  clustermeshApiserverMain(process.argv.slice(3));
} else {
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
}
