// Runs the clustermesh-apiserver double on the host where `cilium clustermesh enable` runs (the
// master): as a systemd unit `clustermesh-apiserver@<cluster>` on a systemd host (as root, or
// through passwordless sudo for a login user, as the seed runs cilium), else as a detached
// process with a pid file (tests on 127.0.0.1, hosts without systemd). The daemon gets a config
// file (0600: it holds the API credentials it uses) and is restarted only when that file or the
// unit changes, so a second `enable` leaves a running daemon alone.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DaemonConfig } from '../clustermesh/server.js';
import { embeddedCommand } from '../clustermesh/main.js';
import { serviceUnit } from '../systemd-unit.js';

export type DaemonOutcome = 'started' | 'restarted' | 'unchanged';

const unitDir = '/etc/systemd/system';
const unitName = 'clustermesh-apiserver@.service';
const systemStateDir = '/etc/clustermesh-apiserver';

function isRoot(): boolean {
  return typeof process.geteuid === 'function' && process.geteuid() === 0;
}

function canSudo(): boolean {
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function supervisorMode(env: NodeJS.ProcessEnv): 'systemd' | 'process' {
  if (env.CLUSTERMESH_APISERVER_SUPERVISOR === 'process') return 'process';
  if (env.CLUSTERMESH_APISERVER_SUPERVISOR === 'systemd') return 'systemd';
  return existsSync('/run/systemd/system') && (isRoot() || canSudo()) ? 'systemd' : 'process';
}

export function stateDir(env: NodeJS.ProcessEnv, cluster: string, mode = supervisorMode(env)): string {
  const base = env.CLUSTERMESH_APISERVER_STATE_DIR || (mode === 'systemd' || isRoot() ? systemStateDir : join(env.HOME ?? homedir(), '.local/state/clustermesh-apiserver'));
  return join(base, cluster);
}

/**
 * How to run the clustermesh-apiserver double: CLUSTERMESH_APISERVER_BIN if set, else
 * clustermesh-apiserver.cjs beside the running cilium file, else the cilium file itself with its
 * hidden command (the lab's cilium-cli tarball holds a single executable).
 */
export function serverCommand(env: NodeJS.ProcessEnv): string[] {
  if (env.CLUSTERMESH_APISERVER_BIN) return [env.CLUSTERMESH_APISERVER_BIN];
  const self = process.argv[1] ? realpathSync(process.argv[1]) : '';
  const beside = join(dirname(self), 'clustermesh-apiserver.cjs');
  if (existsSync(beside)) return [beside];
  return [self, embeddedCommand];
}

export function unitText(node: string, command: string[], base: string): string {
  return serviceUnit(
    ['Description=clustermesh-apiserver double for Cilium cluster %i (meshbook lab)', 'Wants=network-online.target', 'After=network-online.target'],
    `${[node, ...command].join(' ')} --config ${base}/%i/config.json`,
  );
}

/** File and command access on this host, directly as root or through `sudo -n` for a login user. */
interface Host {
  read(path: string): string | undefined;
  write(path: string, text: string, mode: number): void;
  run(cmd: string, args: string[]): string;
}

function hostAccess(privileged: boolean): Host {
  const viaSudo = privileged && !isRoot();
  const exec = (cmd: string, args: string[], input?: string) =>
    execFileSync(viaSudo ? 'sudo' : cmd, viaSudo ? ['-n', cmd, ...args] : args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
  return {
    read: (path) => {
      if (!viaSudo) return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      try {
        return exec('cat', [path]);
      } catch {
        return undefined;
      }
    },
    write: (path, text, mode) => {
      if (!viaSudo) {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        writeFileSync(path, text, { mode });
        chmodSync(path, mode);
        return;
      }
      exec('mkdir', ['-p', '-m', '700', dirname(path)]);
      exec('install', ['-m', mode.toString(8), '/dev/null', path]);
      exec('tee', [path], text);
    },
    run: (cmd, args) => {
      try {
        return exec(cmd, args).trim();
      } catch (err) {
        const e = err as { stdout?: Buffer; stderr?: Buffer };
        if (cmd === 'systemctl' && args[0] === 'is-active') return e.stdout?.toString().trim() || 'inactive';
        throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr?.toString().trim() || String(err)}`);
      }
    },
  };
}

function writeIfChanged(host: Host, path: string, text: string, mode: number): boolean {
  if (host.read(path) === text) return false;
  host.write(path, text, mode);
  return true;
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
  const command = serverCommand(env);
  if (!existsSync(command[0]!)) {
    throw new Error(`the clustermesh-apiserver double is not installed: ${command[0]} does not exist (set CLUSTERMESH_APISERVER_BIN to its path)`);
  }
  const mode = supervisorMode(env);
  const dir = stateDir(env, config.clusterName, mode);
  for (const word of [process.execPath, ...command, dir]) {
    if (!/^[A-Za-z0-9_./@+-]+$/.test(word)) throw new Error(`cannot run the clustermesh-apiserver double from ${JSON.stringify(word)}: the path has characters a systemd unit would split or expand`);
  }
  const host = hostAccess(mode === 'systemd');
  const configPath = join(dir, 'config.json');
  const configChanged = writeIfChanged(host, configPath, JSON.stringify(config, null, 2) + '\n', 0o600);

  if (mode === 'systemd') {
    const unitChanged = writeIfChanged(host, join(unitDir, unitName), unitText(process.execPath, command, dirname(dir)), 0o644);
    if (unitChanged) host.run('systemctl', ['daemon-reload']);
    const instance = `clustermesh-apiserver@${config.clusterName}.service`;
    host.run('systemctl', ['enable', '--quiet', instance]);
    const active = host.run('systemctl', ['is-active', instance]) === 'active';
    if (active && !configChanged && !unitChanged) return 'unchanged';
    host.run('systemctl', ['restart', instance]);
    return active ? 'restarted' : 'started';
  }

  const pidPath = join(dir, 'pid');
  const oldPid = existsSync(pidPath) ? Number(readFileSync(pidPath, 'utf8').trim()) : 0;
  const running = oldPid > 0 && alive(oldPid);
  if (running && !configChanged) return 'unchanged';
  if (running) process.kill(oldPid, 'SIGTERM');
  const logFd = openSync(join(dir, 'clustermesh-apiserver.log'), 'a', 0o600);
  const child = spawn(process.execPath, [...command, '--config', configPath], { detached: true, stdio: ['ignore', logFd, logFd] });
  child.unref();
  writeFileSync(pidPath, `${child.pid}\n`, { mode: 0o600 });
  return running ? 'restarted' : 'started';
}

/** Stops and forgets the daemon of `cluster` (for `clustermesh disable`). */
export function removeDaemon(env: NodeJS.ProcessEnv, cluster: string): boolean {
  const mode = supervisorMode(env);
  const dir = stateDir(env, cluster, mode);
  const host = hostAccess(mode === 'systemd');
  if (mode === 'systemd') {
    if (host.read(join(unitDir, unitName)) === undefined) return false;
    host.run('systemctl', ['disable', '--now', '--quiet', `clustermesh-apiserver@${cluster}.service`]);
    host.run('rm', ['-rf', dir]);
    return true;
  }
  if (!existsSync(dir)) return false;
  const pidPath = join(dir, 'pid');
  const pid = existsSync(pidPath) ? Number(readFileSync(pidPath, 'utf8').trim()) : 0;
  if (pid > 0 && alive(pid)) process.kill(pid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  return true;
}
