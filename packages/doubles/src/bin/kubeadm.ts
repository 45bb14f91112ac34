#!/usr/bin/env node
// The lab's kubeadm double: installed as /usr/bin/kubeadm by the lab's kubeadm package.
import { main } from '../kubeadm/cli.js';

main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then((code) => {
  process.exitCode = code;
});
