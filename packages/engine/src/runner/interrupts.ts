import { MeshbookError } from '../errors.js';
import { onAbort } from '../on-abort.js';

/**
 * How a run stops: `stop(reason)` ends scheduling (a threshold, a whole batch failed); the
 * signal (SIGINT) does too, and after the grace period aborts the commands still running.
 */
export class Interrupts {
  /** Set on SIGINT (the signal): the run's outcome is 'interrupted'. */
  interrupted: string | undefined;
  /** Set when the run stops early for any reason; no new task starts. */
  stopped: string | undefined;
  /** Fires graceMs after the interrupt: commands still running are aborted then. */
  readonly #hardStop = new AbortController();
  /** Fires at the interrupt itself: what only waits (a retry's delay) stops at once. */
  readonly #interruptNow = new AbortController();
  #graceTimer: NodeJS.Timeout | undefined;
  readonly #onSignal = () => this.#interrupt();

  constructor(
    private readonly signal: AbortSignal | undefined,
    readonly graceMs: number,
  ) {
    if (signal?.aborted) this.#interrupt();
    else signal?.addEventListener('abort', this.#onSignal, { once: true });
  }

  /** The signal handed to modules: it fires only after the grace period, so short commands finish. */
  get commandSignal(): AbortSignal {
    return this.#hardStop.signal;
  }

  /** Fires at the interrupt (SIGINT), before the grace period: for waits that run no command. */
  get interruptSignal(): AbortSignal {
    return this.#interruptNow.signal;
  }

  stop(reason: string): void {
    this.stopped ??= reason;
  }

  /** Resolves with the work, or rejects with ABORTED once the grace period after an interrupt is over. */
  whileRunning<T>(work: Promise<T>): Promise<T> {
    const signal = this.#hardStop.signal;
    return new Promise<T>((resolve, reject) => {
      const stopped = () =>
        reject(
          new MeshbookError('ABORTED', `interrupted: the task was stopped after the ${this.graceMs} ms grace period`, {
            hint: 'the host may be half-way through this task: check it, then run again',
          }),
        );
      if (signal.aborted) return stopped();
      // Every host's task waits on this one signal: onAbort keeps one listener on it for all.
      const stopWatching = onAbort(signal, stopped);
      work.then(
        (value) => {
          stopWatching();
          resolve(value);
        },
        (error: unknown) => {
          stopWatching();
          reject(error);
        },
      );
    });
  }

  /** At the end of the run: no timer or listener outlives it. */
  dispose(): void {
    clearTimeout(this.#graceTimer);
    this.signal?.removeEventListener('abort', this.#onSignal);
  }

  #interrupt(): void {
    const reason = this.signal?.reason;
    this.interrupted = typeof reason === 'string' ? reason : 'interrupted';
    this.stop(this.interrupted);
    this.#interruptNow.abort();
    this.#graceTimer = setTimeout(() => this.#hardStop.abort(), this.graceMs);
  }
}
