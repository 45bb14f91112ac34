import type { OutputStream } from '@meshbook/engine';
import { GuardedOutput } from './guarded-output.js';

export type InterruptSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** Where signals come from: `process` in the bin, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: InterruptSignal, listener: () => void): unknown;
  off(signal: InterruptSignal, listener: () => void): unknown;
}

/** Everything the CLI touches outside itself, injectable so tests run `main` in-process. */
export interface CliIoOptions {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Relative paths (playbook, inventory, -e @file, --log-file) resolve against this. */
  cwd: string;
  env: Record<string, string | undefined>;
  signals: SignalSource;
}

/** What the commands get: the same, with output that survives a reader going away. */
export interface CliIo extends CliIoOptions {
  stdout: GuardedOutput;
  stderr: GuardedOutput;
}

export function resolveIo(io: Partial<CliIoOptions>): CliIo {
  return {
    stdout: new GuardedOutput(io.stdout ?? process.stdout),
    stderr: new GuardedOutput(io.stderr ?? process.stderr),
    cwd: io.cwd ?? process.cwd(),
    env: io.env ?? process.env,
    signals: io.signals ?? process,
  };
}
