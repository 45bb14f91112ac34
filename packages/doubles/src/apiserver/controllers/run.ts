// Runs the double's controllers: each reconciles everything it is responsible for, soon after a
// change to what it watches and every few seconds (heartbeat staleness needs the clock).
import type { Context } from '../rest.js';

export interface Controller {
  name: string;
  /** store key prefixes whose changes trigger a reconcile */
  watches: string[];
  /** only these event types trigger it (all when absent) */
  events?: Array<'ADDED' | 'MODIFIED' | 'DELETED'>;
  reconcile(ctx: Context): void | Promise<void>;
}

const RESYNC_MS = 5_000;

export function runControllers(ctx: Context, controllers: Controller[]): () => void {
  const timers: NodeJS.Timeout[] = [];
  const unsubscribers: Array<() => void> = [];
  for (const controller of controllers) {
    let scheduled = false;
    let running = false;
    let again = false;
    const run = async () => {
      scheduled = false;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        await controller.reconcile(ctx);
      } catch (error) {
        console.error(`controller ${controller.name}: ${(error as Error).stack ?? error}`);
      } finally {
        running = false;
        if (again) {
          again = false;
          schedule();
        }
      }
    };
    const schedule = () => {
      if (scheduled) return;
      scheduled = true;
      setTimeout(run, 20);
    };
    unsubscribers.push(ctx.store.subscribe((event) => {
      if (controller.events && !controller.events.includes(event.type)) return;
      if (controller.watches.some((prefix) => event.key.startsWith(prefix))) schedule();
    }));
    timers.push(setInterval(schedule, RESYNC_MS));
    schedule();
  }
  return () => {
    for (const t of timers) clearInterval(t);
    for (const u of unsubscribers) u();
  };
}

/** A condition list entry whose times move only when its status, reason or message does. */
export function condition(previous: any[] | undefined, type: string, status: string, reason: string, message: string, withUpdateTime = false): any {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const old = (previous ?? []).find((c) => c.type === type);
  const same = old && old.status === status && old.reason === reason && old.message === message;
  return {
    type, status,
    ...(withUpdateTime ? { lastUpdateTime: same ? old.lastUpdateTime : now } : {}),
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
    reason, message,
  };
}
