#!/usr/bin/env node
// The lab's rke double: runs on the controller, as the real rke does, and reaches the nodes over SSH.
import { main } from '../rke/cli.js';

main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}, __dirname).then((code) => {
  process.exitCode = code;
});
