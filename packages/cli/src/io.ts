import type { OutputStream } from '@meshbook/engine';

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** Where signals come from: `process` in the bin, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: InterruptSignal, listener: () => void): unknown;
  off(signal: InterruptSignal, listener: () => void): unknown;
}

/** Everything the CLI touches outside itself, injectable so tests run `main` in-process. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Relative paths (playbook, inventory, -e @file, --log-file) resolve against this. */
  cwd: string;
  env: Record<string, string | undefined>;
  signals: SignalSource;
}

export function resolveIo(io: Partial<CliIo>): CliIo {
  return {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    cwd: io.cwd ?? process.cwd(),
    env: io.env ?? process.env,
    signals: io.signals ?? process,
  };
}
