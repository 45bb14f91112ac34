#!/usr/bin/env node
// Playbooks are TypeScript files the user never builds: tsx's loader compiles them on import.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../dist/cli/main.js');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// 130 after a second Ctrl-C: connections of the abandoned run may still be open; do not wait for them.
if (code === 130) process.exit(code);
