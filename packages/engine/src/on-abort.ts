/** The callers waiting on each signal, behind the one 'abort' listener onAbort keeps on it. */
const waiting = new WeakMap<AbortSignal, { callers: Set<() => void>; fire: () => void }>();

/**
 * Calls `listener` once when `signal` aborts (never when it is already aborted: check `aborted`
 * first, as with addEventListener); returns the unsubscribe, to call when the wait is over.
 *
 * A run hands one signal to every command on every host, and each command in flight, each task and
 * each retry delay waits on it. One EventTarget listener per waiter grows with the hosts and passes
 * Node's limit of 10 at six hosts (MaxListenersExceededWarning), so every waiter of a signal shares
 * a single listener on it, removed once the last waiter is gone.
 */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (!signal || signal.aborted) return () => undefined;
  let entry = waiting.get(signal);
  if (!entry) {
    const callers = new Set<() => void>();
    const fire = () => {
      waiting.delete(signal);
      for (const caller of [...callers]) {
        try {
          caller();
        } catch (error) {
          // As EventTarget does: one listener's error is reported and the others still run.
          process.nextTick(() => {
            throw error;
          });
        }
      }
      callers.clear();
    };
    entry = { callers, fire };
    waiting.set(signal, entry);
    signal.addEventListener('abort', fire, { once: true });
  }
  // A wrapper per subscription: the same function subscribed twice is two waits, unsubscribed one by one.
  const caller = () => listener();
  const { callers, fire } = entry;
  callers.add(caller);
  return () => {
    if (!callers.delete(caller) || callers.size > 0 || waiting.get(signal)?.callers !== callers) return;
    waiting.delete(signal);
    signal.removeEventListener('abort', fire);
  };
}

/** Waits `ms`; resolves true when the time is up, false as soon as `signal` aborts (at once if it has). */
export function waitUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (elapsed: boolean) => {
      clearTimeout(timer);
      stopWatching();
      resolve(elapsed);
    };
    const timer = setTimeout(() => done(true), ms);
    const stopWatching = onAbort(signal, () => done(false));
  });
}
