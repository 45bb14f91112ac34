#!/usr/bin/env node
// The CLI bundle (scripts/bundle.mjs); TypeScript playbooks are compiled by the CLI itself.
const { main } = await import('../dist/bundle/cli.js');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// 130 after a second Ctrl-C: connections of the abandoned run may still be open; do not wait for them.
if (code === 130) process.exit(code);
