import { spawn } from 'node:child_process';

export interface ToolOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string | Buffer;
}

/**
 * Runs a program on the controller (openssl, gpg, dpkg-deb, tar, helm) and returns its stdout.
 * A failure names the program and carries the end of its stderr; a missing program says how to
 * install it. Never used with key material on the command line.
 */
export function runTool(command: string, args: string[], options: ToolOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error(`${command} is missing on this machine; the lab's stand-ins need it: run scripts/setup.sh (it installs openssl, gnupg and dpkg-dev)`)
          : error,
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(stdout).toString());
      const tail = Buffer.concat(stderr).toString().trim().split('\n').slice(-15).join('\n');
      reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${tail}`));
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}
