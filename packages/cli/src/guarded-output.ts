import type { OutputStream } from '@meshbook/engine';

interface ErrorSource {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * stdout or stderr that outlives its reader. Once a write fails (EPIPE: `meshbook run | head -1`
 * has exited; EIO: the terminal was closed), later writes are dropped instead of ending the
 * process with a stack trace, and `onClosed` listeners learn it, once.
 */
export class GuardedOutput implements OutputStream {
  #closedBy: Error | undefined;
  readonly #listeners = new Set<(error: Error) => void>();

  constructor(readonly target: OutputStream) {
    // A stream's write errors arrive as 'error' events; without a listener Node throws them.
    const source = target as Partial<ErrorSource>;
    if (typeof source.on === 'function') source.on('error', (error) => this.#close(error));
  }

  get isTTY(): boolean | undefined {
    return this.target.isTTY;
  }

  get columns(): number | undefined {
    return this.target.columns;
  }

  /** The error that closed it, if one did. */
  get closedBy(): Error | undefined {
    return this.#closedBy;
  }

  write(chunk: string): unknown {
    if (this.#closedBy) return false;
    try {
      return this.target.write(chunk);
    } catch (error) {
      this.#close(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  /** Calls `listener` when the reader goes away (at once if it already has); returns the unsubscribe. */
  onClosed(listener: (error: Error) => void): () => void {
    if (this.#closedBy) {
      listener(this.#closedBy);
      return () => undefined;
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #close(error: Error): void {
    if (this.#closedBy) return;
    this.#closedBy = error;
    for (const listener of this.#listeners) listener(error);
    this.#listeners.clear();
  }
}
