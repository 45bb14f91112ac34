import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import type { HostFacts } from './config.js';

/** The host's name and the IPv4 address of its default route's interface (kubeadm's ChooseHostInterface). */
export function hostFacts(): HostFacts {
  return { hostname: hostname().toLowerCase(), defaultAddress: defaultRouteAddress() };
}

function defaultRouteAddress(): string {
  let iface: string | undefined;
  try {
    // /proc/net/route: Iface Destination Gateway ...; the default route has destination 00000000
    iface = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/))
      .find((f) => f[1] === '00000000')?.[0];
  } catch {
    iface = undefined;
  }
  const candidates = iface ? networkInterfaces()[iface] : Object.values(networkInterfaces()).flat();
  const address = candidates?.find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (!address) throw new Error('unable to select an IP from default routes.');
  return address;
}

/** systemctl, failing with its own words. */
export function systemctl(...args: string[]): void {
  try {
    execFileSync('systemctl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(`systemctl ${args.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
}

export function systemctlQuiet(...args: string[]): boolean {
  try {
    execFileSync('systemctl', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
