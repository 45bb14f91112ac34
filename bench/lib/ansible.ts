import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture, mustCapture } from './shell.js';

/** Debian's ansible-mitogen (its strategy plugins land in Ansible's own plugin dir), installed when missing. */
export async function ensureMitogen(log: (line: string) => void): Promise<string> {
  const version = async () => (await capture(['dpkg-query', '-W', '-f', '${Version}', 'ansible-mitogen'])).stdout.trim();
  const found = await capture(['dpkg-query', '-W', '-f', '${Status}', 'ansible-mitogen']).catch(() => null);
  if (found?.stdout.includes('install ok installed')) return `ansible-mitogen ${await version()}`;
  log('installing ansible-mitogen from Debian');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = await capture(['apt-get', 'install', '-y', 'ansible-mitogen'], { env });
  if (install.exitCode !== 0) {
    await mustCapture(['apt-get', 'update'], { env });
    await mustCapture(['apt-get', 'install', '-y', 'ansible-mitogen'], { env });
  }
  return `ansible-mitogen ${await version()}`;
}

/** Debian's ansible-core (2.14 on bookworm), installed when missing. */
export async function ensureAnsible(log: (line: string) => void): Promise<string> {
  const found = await capture(['ansible-playbook', '--version']).catch(() => null);
  if (found?.exitCode === 0) return found.stdout.split('\n')[0]!.trim();
  log('installing ansible-core from Debian');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = await capture(['apt-get', 'install', '-y', 'ansible-core'], { env });
  if (install.exitCode !== 0) {
    // A new machine's package lists are empty or stale.
    await mustCapture(['apt-get', 'update'], { env });
    await mustCapture(['apt-get', 'install', '-y', 'ansible-core'], { env });
  }
  return (await mustCapture(['ansible-playbook', '--version'])).split('\n')[0]!.trim();
}

export interface AnsibleSetup {
  /** Environment for ansible-playbook: its config, the counting ssh/sftp wrappers, a private ControlPath dir. */
  env: NodeJS.ProcessEnv;
  /** One line per ssh/sftp/scp client started: "<program> <args>". */
  sessionLogPath: string;
  /** Unique to this run: every ssh process of the run (ControlMaster included) has it in its command line. */
  controlPathDir: string;
}

/**
 * Ansible tuned as the issue says: pipelining on, forks >= N, host key checking off, the default
 * ControlMaster/ControlPersist ssh_args, no fact gathering (the playbook says so), the interpreter
 * given (no discovery round trip). Each run gets its own ControlPath dir, so no run reuses the
 * previous run's master connections (the dir is removed once the run is measured). With
 * `strategy = mitogen_linear` (the `mitogen` tool) Mitogen replaces the connection and module
 * execution: one SSH connection per host, a Python interpreter it keeps on the host. The ssh/sftp/scp executables are wrappers that log one line
 * per client started (each is one session on the host) and exec the real program.
 */
export async function ansibleSetup(dir: string, forks: number, strategy?: 'mitogen_linear'): Promise<AnsibleSetup> {
  await mkdir(dir, { recursive: true });
  // Short and under /tmp: a Unix socket path is limited to 108 bytes.
  const controlPathDir = await mkdtemp(join(tmpdir(), 'bench-cp-'));
  const sessionLogPath = join(dir, 'ssh-sessions.log');
  await writeFile(sessionLogPath, '');
  const wrappers: Record<string, string> = {};
  for (const program of ['ssh', 'sftp', 'scp']) {
    const path = join(dir, `counting-${program}`);
    await writeFile(path, `#!/bin/sh\nprintf '%s %s\\n' ${program} "$*" >> '${sessionLogPath}'\nexec /usr/bin/${program} "$@"\n`);
    await chmod(path, 0o755);
    wrappers[program] = path;
  }
  const config = join(dir, 'ansible.cfg');
  await writeFile(
    config,
    [
      '[defaults]',
      `forks = ${forks}`,
      'host_key_checking = False',
      'interpreter_python = /usr/bin/python3',
      'retry_files_enabled = False',
      'gathering = explicit',
      // The connect timeout (default 10 s): Mitogen's bootstrap timed out on loaded hosts behind the relay.
      'timeout = 60',
      ...(strategy ? [`strategy = ${strategy}`] : []),
      '',
      '[ssh_connection]',
      'pipelining = True',
      '',
    ].join('\n'),
  );
  return {
    env: {
      ...process.env,
      ANSIBLE_CONFIG: config,
      ANSIBLE_SSH_EXECUTABLE: wrappers.ssh,
      ANSIBLE_SFTP_EXECUTABLE: wrappers.sftp,
      ANSIBLE_SCP_EXECUTABLE: wrappers.scp,
      ANSIBLE_SSH_CONTROL_PATH_DIR: controlPathDir,
      // Keeps root's ~/.ssh/known_hosts free of the fleets' throwaway ports (checking is off anyway).
      ANSIBLE_SSH_EXTRA_ARGS: '-o UserKnownHostsFile=/dev/null',
      ANSIBLE_NOCOLOR: '1',
    },
    sessionLogPath,
    controlPathDir,
  };
}
