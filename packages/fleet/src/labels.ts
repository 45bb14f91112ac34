import { hostname } from 'node:os';

/** Labels on every container and network, so `destroy` and `removeStaleFleets` find them. */
export const LABEL_FLEET = 'meshbook.fleet';
export const LABEL_PURPOSE = 'meshbook.purpose';
export const LABEL_CREATED = 'meshbook.created';
export const LABEL_HOST = 'meshbook.host';
/** On the short-lived container that runs the image setup script. */
export const LABEL_BUILD = 'meshbook.build';

export function fleetLabels(fleetId: string, purpose: string): Record<string, string> {
  return { [LABEL_FLEET]: fleetId, [LABEL_PURPOSE]: purpose, [LABEL_CREATED]: String(Date.now()) };
}

/** The process that owns a test fleet: when it is gone, its fleet is stale. */
export const LABEL_OWNER_PID = 'meshbook.owner-pid';
export const LABEL_OWNER_HOST = 'meshbook.owner-host';

export function ownerLabels(): Record<string, string> {
  return { [LABEL_OWNER_PID]: String(process.pid), [LABEL_OWNER_HOST]: hostname() };
}
