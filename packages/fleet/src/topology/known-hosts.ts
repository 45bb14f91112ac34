import type { LabTopologyHost } from './types.js';

/**
 * known_hosts lines under every name the controller uses for a host: `[127.0.0.1]:PORT` when its
 * sshd is published, and each lab address (port 22, as ssh writes it: no brackets) for the hops
 * made through a bastion.
 */
export function labKnownHostsLines(host: LabTopologyHost, hostKeys: string[]): string[] {
  const names = [
    ...(host.sshPort === null ? [] : [`[127.0.0.1]:${host.sshPort}`]),
    ...host.addresses.map((a) => a.ip),
  ];
  return hostKeys.map((key) => `${names.join(',')} ${key}`);
}
