export type { ExecOptions, ExecResult, Fleet, FleetHost, FleetOptions } from './types.js';
export { startFleet } from './fleet.js';
export { ensureImage } from './image/build.js';
export { removeStaleFleets } from './stale.js';
export { SMALL_DISK_PATH } from './host-container.js';
export { assertDockerAvailable } from './docker.js';
export type { FleetHostSpec } from './types.js';
export { removeFleetContainers } from './fleet.js';
export { labUp, labDown, labStatus, type LabSpec, type LabHostStatus } from './lab.js';
