import PQueue from 'p-queue';

/** At most `forks` tasks at once, the rest queued in order (p-queue is bundled, so its types stay out of the published declarations). */
export interface ForksQueue {
  add<T>(task: () => Promise<T>): Promise<T>;
}

/** The queue a run puts its per-host work through; also the CLI's, so one copy of p-queue is loaded. */
export function forksQueue(forks: number): ForksQueue {
  const queue = new PQueue({ concurrency: Math.max(1, forks) });
  return { add: (task) => queue.add(task, { throwOnTimeout: true }) };
}
