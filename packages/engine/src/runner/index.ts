export { runPlaybook } from './run-playbook.js';
export { validatePlaybook } from './validate.js';
export { listHosts, listTasks } from './list.js';
export { taskName } from './params.js';
export { selectedByTags } from './tags.js';
export { computeBatches } from './batches.js';
export type { RunPlaybookOptions, RunSummary, SelectionOptions } from './options.js';
export { DEFAULT_TASK_TIMEOUT_MS } from './options.js';
