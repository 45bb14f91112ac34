#!/usr/bin/env node
// The CLI is plain JavaScript; tsx is registered only when a TypeScript playbook is loaded.
const { main } = await import('../dist/cli/main.js');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// 130 after a second Ctrl-C: connections of the abandoned run may still be open; do not wait for them.
if (code === 130) process.exit(code);
