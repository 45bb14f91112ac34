export { loadInventory, type LoadInventoryOptions } from './load.js';
export { mergeVars } from './precedence.js';
export {
  resolveConnection,
  expandPath,
  DEFAULT_SSH_PORT,
  DEFAULT_CONNECT_TIMEOUT_SECONDS,
  DEFAULT_HOST_KEY_POLICY,
  type ResolveConnectionOptions,
} from './connection.js';
export { CONNECTION_VAR_NAMES, SSH_ARGS_VAR_NAMES, type ConnectionField } from './connection-vars.js';
export { selectHosts, splitPattern, type PatternScope } from './patterns.js';
export { renderInventoryList, renderInventoryGraph, type InventoryListing } from './render.js';
export type { InventoryIssue } from './issues.js';
