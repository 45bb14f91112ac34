#!/usr/bin/env node
// The CLI is one CommonJS bundle (scripts/bundle.mjs) loaded through a V8 code cache; TypeScript
// playbooks are compiled by the CLI itself.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCodeCache, nearestCacheDir } from '../dist/startup/code-cache.js';
import { useInterpretedZodParsers } from '../dist/startup/zod-jitless.js';

const argv = process.argv.slice(2);
const cacheDir = nearestCacheDir(dirname(fileURLToPath(import.meta.url)), 'v8');
// A playbook run (not a listing) compiles what every run needs, and `--json` its own reporter: the
// cache keeps what each kind of run compiled.
const fullRun = (argv[0] === 'run' || argv[0] === 'exec') && !argv.some((a) => a === '--syntax-check' || a.startsWith('--list-'));
if (cacheDir) installCodeCache(cacheDir, { fullRun, json: argv.includes('--json') });
// Before the engine loads: its schemas are built as it loads.
useInterpretedZodParsers();
const { main } = await import('../dist/bundle/index.cjs');
const code = await main(argv);
process.exitCode = code;
// 130 after a second Ctrl-C: connections of the abandoned run may still be open; do not wait for them.
if (code === 130) process.exit(code);
