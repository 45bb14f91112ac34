import { EXIT } from './exit-codes.js';
import type { InterruptSignal, SignalSource } from './io.js';
import type { OutputStream } from '@meshbook/engine';

export interface InterruptHandle {
  /** Aborted on the first Ctrl-C (or SIGTERM): the runner stops scheduling and winds down. */
  signal: AbortSignal;
  /** Resolves with EXIT.INTERRUPTED on the second Ctrl-C: stop waiting for the run. */
  forced: Promise<typeof EXIT.INTERRUPTED>;
  dispose(): void;
}

/** First Ctrl-C: graceful stop; second: give up on the run at once. */
export function watchInterrupts(signals: SignalSource, stderr: OutputStream): InterruptHandle {
  const controller = new AbortController();
  let force!: () => void;
  const forced = new Promise<typeof EXIT.INTERRUPTED>((resolve) => {
    force = () => resolve(EXIT.INTERRUPTED);
  });
  const listeners = new Map<InterruptSignal, () => void>();
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    const listener = () => {
      if (!controller.signal.aborted) {
        stderr.write(`\n${name}: stopping; running tasks get a grace period (Ctrl-C again to stop now)\n`);
        controller.abort(name);
      } else {
        stderr.write(`\n${name} again: stopping now; hosts with a task in flight are in an unknown state\n`);
        force();
      }
    };
    listeners.set(name, listener);
    signals.on(name, listener);
  }
  return {
    signal: controller.signal,
    forced,
    dispose: () => {
      for (const [name, listener] of listeners) signals.off(name, listener);
    },
  };
}
