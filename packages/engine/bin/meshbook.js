#!/usr/bin/env node
// Playbooks are TypeScript files the user never builds: tsx's loader compiles them on import.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
