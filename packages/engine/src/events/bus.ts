import type { EventListener, MeshbookEvent } from './types.js';

/** Fan-out of events to reporters. Listener errors never break a run. */
export class EventBus {
  readonly #listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: MeshbookEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A reporter's failure must not change the outcome on the hosts.
      }
    }
  }
}
