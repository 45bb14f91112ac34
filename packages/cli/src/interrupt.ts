import type { OutputStream } from '@meshbook/engine';
import { EXIT } from './exit-codes.js';
import type { InterruptSignal, SignalSource } from './io.js';

export interface InterruptHandle {
  /** Aborted on the first interrupt: the runner stops scheduling and winds down. */
  signal: AbortSignal;
  /** Resolves with EXIT.INTERRUPTED on the second: stop waiting for the run. */
  forced: Promise<typeof EXIT.INTERRUPTED>;
  /** An interrupt that is not a signal (stdout closed), handled as a first Ctrl-C. */
  interrupt(reason: string): void;
  dispose(): void;
}

/**
 * Ctrl-C, SIGTERM, SIGHUP (the terminal closed) and a closed stdout all mean "nobody wants the
 * rest of this run": the first stops it gracefully, the second gives up on the run at once.
 */
const SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function watchInterrupts(signals: SignalSource, stderr: OutputStream): InterruptHandle {
  const controller = new AbortController();
  let force!: () => void;
  const forced = new Promise<typeof EXIT.INTERRUPTED>((resolve) => {
    force = () => resolve(EXIT.INTERRUPTED);
  });
  const interrupt = (reason: string) => {
    if (!controller.signal.aborted) {
      stderr.write(`\n${reason}: stopping; running tasks get a grace period (Ctrl-C again to stop now)\n`);
      controller.abort(reason);
    } else {
      stderr.write(`\n${reason} again: stopping now; hosts with a task in flight are in an unknown state\n`);
      force();
    }
  };
  const listeners = new Map<InterruptSignal, () => void>();
  for (const name of SIGNALS) {
    const listener = () => interrupt(name);
    listeners.set(name, listener);
    signals.on(name, listener);
  }
  return {
    signal: controller.signal,
    forced,
    interrupt,
    dispose: () => {
      for (const [name, listener] of listeners) signals.off(name, listener);
    },
  };
}
