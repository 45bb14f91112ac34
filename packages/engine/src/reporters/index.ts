export { HumanReporter, createHumanReporter } from './human.js';
export type { HumanReporterOptions } from './human.js';
export { createJsonLinesReporter } from './json-lines.js';
export type { OutputStream } from './stream.js';
