// @meshbook/cli as a library: the command line in-process (tests, other programs) and its exit codes.
export { main } from './main.js';
export type { CliIoOptions, SignalSource } from './io.js';
export { EXIT, exitCodeOf } from './exit-codes.js';
export type { ExitCode } from './exit-codes.js';
export { loadPlaybook } from './load-playbook.js';
export { parseExtraVars } from './extra-vars.js';
