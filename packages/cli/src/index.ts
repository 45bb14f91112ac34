// @meshbook/cli as a library: the command line in-process (tests, other programs) and its exit codes.
export { main } from './main.js';
export type { CliIo, SignalSource } from './io.js';
export { EXIT } from '@meshbook/engine';
export type { ExitCode } from '@meshbook/engine';
export { loadPlaybook } from './load-playbook.js';
export { parseExtraVars } from './extra-vars.js';
