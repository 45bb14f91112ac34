// Runs the clustermesh-apiserver double on the host where `cilium clustermesh enable` runs (the
// master): as a systemd unit `clustermesh-apiserver@<cluster>` when run as root on a systemd host,
// else as a detached process with a pid file (tests on 127.0.0.1, hosts without systemd). The
// daemon gets a config file (0600: it holds the API credentials it uses) and is restarted only
// when that file changes, so a second `enable` leaves a running daemon alone.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, realpathSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DaemonConfig } from '../clustermesh/server.js';

export type DaemonOutcome = 'started' | 'restarted' | 'unchanged';

const unitDir = '/etc/systemd/system';
const unitName = 'clustermesh-apiserver@.service';

function isRoot(): boolean {
  return typeof process.geteuid === 'function' && process.geteuid() === 0;
}

export function supervisorMode(env: NodeJS.ProcessEnv): 'systemd' | 'process' {
  if (env.CLUSTERMESH_APISERVER_SUPERVISOR === 'process') return 'process';
  if (env.CLUSTERMESH_APISERVER_SUPERVISOR === 'systemd') return 'systemd';
  return isRoot() && existsSync('/run/systemd/system') ? 'systemd' : 'process';
}

export function stateDir(env: NodeJS.ProcessEnv, cluster: string): string {
  const base = env.CLUSTERMESH_APISERVER_STATE_DIR || (isRoot() ? '/etc/clustermesh-apiserver' : join(env.HOME ?? homedir(), '.local/state/clustermesh-apiserver'));
  return join(base, cluster);
}

/** The built clustermesh-apiserver double: beside the running cilium executable unless told otherwise. */
export function serverScript(env: NodeJS.ProcessEnv): string {
  if (env.CLUSTERMESH_APISERVER_BIN) return env.CLUSTERMESH_APISERVER_BIN;
  const self = process.argv[1] ? realpathSync(process.argv[1]) : '';
  return join(dirname(self), 'clustermesh-apiserver.cjs');
}

export function unitText(node: string, script: string, base: string): string {
  return [
    '[Unit]',
    'Description=clustermesh-apiserver double for Cilium cluster %i (meshbook lab)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    `ExecStart=${node} ${script} --config ${base}/%i/config.json`,
    'Restart=always',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

function writeIfChanged(path: string, text: string, mode: number): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  return true;
}

function systemctl(args: string[]): string {
  try {
    return execFileSync('systemctl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  } catch (err) {
    const e = err as { status?: number; stdout?: Buffer; stderr?: Buffer };
    if (args[0] === 'is-active') return e.stdout?.toString().trim() ?? 'inactive';
    throw new Error(`systemctl ${args.join(' ')} failed: ${e.stderr?.toString().trim() ?? String(err)}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function ensureDaemon(env: NodeJS.ProcessEnv, config: DaemonConfig): DaemonOutcome {
  const script = serverScript(env);
  if (!existsSync(script)) {
    throw new Error(`the clustermesh-apiserver double is not installed: ${script} does not exist (it ships beside cilium; set CLUSTERMESH_APISERVER_BIN to its path)`);
  }
  const dir = stateDir(env, config.clusterName);
  const configPath = join(dir, 'config.json');
  const configChanged = writeIfChanged(configPath, JSON.stringify(config, null, 2) + '\n', 0o600);

  if (supervisorMode(env) === 'systemd') {
    const base = dirname(dir);
    const unitChanged = writeIfChanged(join(unitDir, unitName), unitText(process.execPath, script, base), 0o644);
    if (unitChanged) systemctl(['daemon-reload']);
    const instance = `clustermesh-apiserver@${config.clusterName}.service`;
    systemctl(['enable', '--quiet', instance]);
    const active = systemctl(['is-active', instance]) === 'active';
    if (active && !configChanged && !unitChanged) return 'unchanged';
    systemctl(['restart', instance]);
    return active ? 'restarted' : 'started';
  }

  const pidPath = join(dir, 'pid');
  const oldPid = existsSync(pidPath) ? Number(readFileSync(pidPath, 'utf8').trim()) : 0;
  const running = oldPid > 0 && alive(oldPid);
  if (running && !configChanged) return 'unchanged';
  if (running) process.kill(oldPid, 'SIGTERM');
  const logFd = openSync(join(dir, 'clustermesh-apiserver.log'), 'a', 0o600);
  const child = spawn(process.execPath, [script, '--config', configPath], { detached: true, stdio: ['ignore', logFd, logFd] });
  child.unref();
  writeFileSync(pidPath, `${child.pid}\n`, { mode: 0o600 });
  return running ? 'restarted' : 'started';
}

/** Stops and forgets the daemon of `cluster` (for `clustermesh disable`). */
export function removeDaemon(env: NodeJS.ProcessEnv, cluster: string): boolean {
  const dir = stateDir(env, cluster);
  if (!existsSync(dir)) return false;
  if (supervisorMode(env) === 'systemd') {
    const instance = `clustermesh-apiserver@${cluster}.service`;
    systemctl(['disable', '--now', '--quiet', instance]);
  } else {
    const pidPath = join(dir, 'pid');
    const pid = existsSync(pidPath) ? Number(readFileSync(pidPath, 'utf8').trim()) : 0;
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGTERM');
  }
  rmSync(dir, { recursive: true, force: true });
  return true;
}
