import type { MeshbookEvent } from '../events/types.js';
import type { EventBus } from '../events/bus.js';
import { redactDeep } from '../secret.js';

type WithoutTime<E> = E extends MeshbookEvent ? Omit<E, 'time'> : never;
export type EventInput = WithoutTime<MeshbookEvent>;

/** Where a run's events go: stamped and redacted here, once, so no event carries a secret's text out. */
export class EventSink {
  constructor(private readonly bus: EventBus | undefined) {}

  emit(event: EventInput): void {
    this.bus?.emit(redactDeep({ ...event, time: Date.now() }) as MeshbookEvent);
  }
}
