import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { MeshbookEvent } from '@meshbook/engine';
import type { Fleet } from '@meshbook/fleet';
import { meshbook, REPO_ROOT, type CliRun } from '../support/cli.js';

/**
 * What the fault suites share: an inventory written for the fleet as it is now (ports change when
 * a host is restarted), a `meshbook` child process that can be signalled mid-run, and checks run
 * on the hosts from outside SSH.
 */

export const FIXTURES = join(REPO_ROOT, 'test/integration/faults/fixtures');
/** A fixture playbook of this suite by name, or any playbook by absolute path. */
export const fixture = (name: string) => (isAbsolute(name) ? name : join(FIXTURES, name));

export interface InventoryOptions {
  /** Log in as the fleet's sudo user (password-protected sudo) instead of root. */
  sudoUser?: { becomePassword: string };
  /** Extra vars under `all`. */
  vars?: Record<string, unknown>;
  /** Per-host vars. */
  hostVars?: Record<string, Record<string, unknown>>;
  /** Only these hosts (default every fleet host). */
  hosts?: string[];
  /** More inventory names for fleet hosts: alias -> fleet host name. */
  aliases?: Record<string, string>;
}

/** A temp dir per test file, removed afterwards; inventories are written into it. */
export function useWorkDir(): () => string {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshbook-faults-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

let inventoryCount = 0;

/** hosts.yaml for the fleet's current ports: strict host keys against the fleet's known_hosts, a connect timeout that survives a loaded CI machine. */
export async function writeInventory(fleet: Fleet, dir: string, options: InventoryOptions = {}): Promise<string> {
  const names = options.hosts ?? fleet.hosts.map((h) => h.name);
  const vars: Record<string, unknown> = {
    ansible_user: options.sudoUser ? fleet.sudoUser.name : 'root',
    ansible_ssh_private_key_file: fleet.privateKeyPath,
    meshbook_known_hosts_file: fleet.knownHostsPath,
    meshbook_connect_timeout: 15,
    ...(options.sudoUser ? { ansible_become: true, ansible_become_password: options.sudoUser.becomePassword } : {}),
    ...options.vars,
  };
  const hosts: Record<string, unknown> = {};
  for (const name of names) {
    const host = fleet.host(name);
    hosts[name] = { ansible_host: host.address, ansible_port: host.port, ...options.hostVars?.[name] };
  }
  for (const [alias, name] of Object.entries(options.aliases ?? {})) {
    hosts[alias] = { ansible_host: fleet.host(name).address, ansible_port: fleet.host(name).port };
  }
  const path = join(dir, `hosts-${++inventoryCount}.yaml`);
  // JSON is YAML: no quoting surprises for odd values.
  await writeFile(path, JSON.stringify({ all: { vars, hosts } }, null, 2));
  return path;
}

/** `meshbook run` of a fixture playbook, waited for. */
export function runPlaybook(playbook: string, inventory: string, args: string[] = []): Promise<CliRun> {
  return meshbook(['run', fixture(playbook), '-i', inventory, '--json', ...args]);
}

export interface LiveRun {
  child: ChildProcess;
  /** Events so far (the run is started with --json). */
  events: MeshbookEvent[];
  /** Resolves with the first event matching, failing after `timeoutMs`. */
  waitFor(match: (e: MeshbookEvent) => boolean, timeoutMs?: number): Promise<MeshbookEvent>;
  done: Promise<CliRun>;
}

/** A `meshbook run --json` child process that a test can signal while it runs. */
export function startPlaybook(playbook: string, inventory: string, args: string[] = []): LiveRun {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/meshbook.js'), 'run', fixture(playbook), '-i', inventory, '--json', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: MeshbookEvent[] = [];
  const waiters: Array<{ match: (e: MeshbookEvent) => boolean; resolve: (e: MeshbookEvent) => void }> = [];
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line) as MeshbookEvent;
      events.push(event);
      for (const waiter of waiters.filter((w) => w.match(event))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr, events }));
  });
  return {
    child,
    events,
    done,
    waitFor(match, timeoutMs = 60_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; stderr:\n${stderr}\nevents: ${events.map((e) => e.type).join(', ')}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
        void done.then(() => {
          clearTimeout(timer);
          reject(new Error(`the run ended (exit) before a matching event; stderr:\n${stderr}`));
        });
      });
    },
  };
}

/** docker exec `sh -c` on a host; the output, whatever the exit code. */
export async function onHost(fleet: Fleet, host: string, script: string): Promise<string> {
  const result = await fleet.exec(host, ['sh', '-c', script]);
  return result.stdout + result.stderr;
}

/** SSH logins the host's sshd accepted so far (its journal): proof that a run did or did not connect. */
export async function acceptedLogins(fleet: Fleet, host: string): Promise<number> {
  const out = await onHost(fleet, host, `journalctl -q --no-pager -t sshd -t sshd-session 2>/dev/null | grep -c 'Accepted publickey' || true`);
  return Number(out.trim());
}

/** Processes on the host whose command line matches `pattern` (pgrep -f), excluding the probe itself. */
export async function processesMatching(fleet: Fleet, host: string, pattern: string): Promise<string[]> {
  const out = await onHost(fleet, host, `pgrep -af -- ${shellQuote(pattern)} | grep -v pgrep || true`);
  return out.split('\n').filter((l) => l.trim() !== '');
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The host.result events of one task, by host. */
export function resultsOf(run: CliRun, task: string): Record<string, Extract<MeshbookEvent, { type: 'host.result' }>> {
  const out: Record<string, Extract<MeshbookEvent, { type: 'host.result' }>> = {};
  for (const e of run.events) if (e.type === 'host.result' && e.task === task) out[e.host] = e;
  return out;
}

/** `secret` appears nowhere in `text`: neither as it is nor as the base64 the wire carries. */
export function expectNoSecretIn(where: string, text: string, secret: string): void {
  expect(text.length, `${where} is empty: the check would prove nothing`).toBeGreaterThan(0);
  for (const form of [secret, Buffer.from(secret).toString('base64').replace(/=+$/, ''), Buffer.from(`${secret}\n`).toString('base64').replace(/=+$/, '')]) {
    expect(text.includes(form), `${where} contains the secret (${form})`).toBe(false);
  }
}

export function expectExit(run: CliRun, code: number): void {
  expect(run.exitCode, `exit code; stderr:\n${run.stderr}\nstdout tail:\n${run.stdout.slice(-3000)}`).toBe(code);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
