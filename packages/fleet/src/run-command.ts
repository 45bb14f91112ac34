import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Runs a local program, passing each output line to onLine; rejects with the output's tail. */
export function runCommand(command: string, args: string[], onLine: (line: string) => void = () => {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const recent: string[] = [];
    const collect = (line: string) => {
      recent.push(line);
      if (recent.length > 30) recent.shift();
      onLine(line);
    };
    createInterface({ input: child.stdout }).on('line', collect);
    createInterface({ input: child.stderr }).on('line', collect);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${recent.join('\n')}`));
    });
  });
}
