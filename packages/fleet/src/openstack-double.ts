// The lab's OpenStack: the Keystone + Nova + Neutron double (packages/doubles/src/openstack) as a
// process on the controller, on 127.0.0.1, outliving the command that started it like the lab's
// hosts do. Its state, clouds.yaml and pid are in `<workDir>/openstack/`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Inventory } from '@meshbook/engine';
import { doublesBinDir } from '@meshbook/doubles';

/** The built executable (tests import @meshbook/doubles from its sources, whose bin dir is src/bin). */
export const openstackDoubleExecutable = join(doublesBinDir.replace(/([/\\])src([/\\])bin$/, '$1dist$2bin'), 'openstack-api.cjs');

export interface LabOpenStack {
  /** The clouds.yaml naming the double's one account, cloud `lab` (mode 0600: it holds the password). */
  cloudsFile: string;
  cloud: string;
  authUrl: string;
  pid: number;
}

const SERVING = /^serving (\S+) \(clouds\.yaml: (.+)\)$/m;

/** The pid is still the double (not a pid the system has since given to another program). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('openstack-api.cjs');
  } catch {
    return false;
  }
}

/** A server the double starts with: named as the inventory host, one port on `address` in `network`. */
export interface OpenStackSeedHost {
  name: string;
  address: string;
  network: string;
}

/** The inventory's hosts that name an OpenStack network (`openstack_network`) and an `upstream_ip`. */
export function openstackSeedHosts(inventory: Inventory): OpenStackSeedHost[] {
  return [...inventory.hosts.values()].flatMap((h) =>
    typeof h.vars.openstack_network === 'string' && typeof h.vars.upstream_ip === 'string' ? [{ name: h.name, address: h.vars.upstream_ip, network: h.vars.openstack_network }] : [],
  );
}

/**
 * Starts the double with one server per seed host, or finds the one already running for this
 * workDir. Its state survives a restart of the process; `stopLabOpenStack` ends it and removes it.
 */
export async function startLabOpenStack(workDir: string, hosts: readonly OpenStackSeedHost[], log: (line: string) => void = () => {}): Promise<LabOpenStack> {
  const dir = join(workDir, 'openstack');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pidFile = join(dir, 'pid');
  const logFile = join(dir, 'openstack-api.log');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const served = existsSync(logFile) ? SERVING.exec(readFileSync(logFile, 'utf8')) : null;
    if (pid > 0 && alive(pid) && served) return { pid, authUrl: served[1]!, cloudsFile: served[2]!, cloud: 'lab' };
  }
  if (!existsSync(openstackDoubleExecutable)) throw new Error(`the OpenStack double is not built (${openstackDoubleExecutable}): run pnpm build`);
  log('starting the OpenStack double (Keystone, Nova, Neutron ports) on 127.0.0.1');
  const seedFile = join(dir, 'seed-hosts.json');
  writeFileSync(seedFile, `${JSON.stringify(hosts, null, 2)}\n`, { mode: 0o600 });
  const out = openSync(logFile, 'w', 0o600);
  const child = spawn(process.execPath, [openstackDoubleExecutable, '--state-dir', dir, '--seed-hosts', seedFile, '--cloud', 'lab'], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  const pid = child.pid!;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const served = SERVING.exec(readFileSync(logFile, 'utf8'));
    if (served) {
      writeFileSync(pidFile, String(pid), { mode: 0o600 });
      return { pid, authUrl: served[1]!, cloudsFile: served[2]!, cloud: 'lab' };
    }
    if (!alive(pid) || child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  throw new Error(`the OpenStack double did not start: ${readFileSync(logFile, 'utf8').trim() || 'no output'}`);
}

/** Ends the double this workDir started (by its pid) and removes its state and clouds.yaml. */
export async function stopLabOpenStack(workDir: string): Promise<void> {
  const dir = join(workDir, 'openstack');
  const pidFile = join(dir, 'pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    if (pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 5_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** The lab's OpenStack double as `lab status` shows it; undefined when this lab has none. */
export function labOpenStackStatus(workDir: string): { state: 'running' | 'stopped'; authUrl: string } | undefined {
  const dir = join(workDir, 'openstack');
  const logFile = join(dir, 'openstack-api.log');
  if (!existsSync(logFile)) return undefined;
  const served = SERVING.exec(readFileSync(logFile, 'utf8'));
  const pidFile = join(dir, 'pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
  return { state: pid > 0 && alive(pid) ? 'running' : 'stopped', authUrl: served?.[1] ?? '-' };
}
