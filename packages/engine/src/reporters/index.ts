export { HumanReporter, createHumanReporter } from './human.js';
export type { HumanReporterOptions } from './human.js';
export { createJsonLinesReporter } from './json-lines.js';
export { createPinoLogReporter, levelOf } from './pino-log.js';
export type { PinoLogReporter, PinoLogReporterOptions } from './pino-log.js';
export type { OutputStream } from './stream.js';
