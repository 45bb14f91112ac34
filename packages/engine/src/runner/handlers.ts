import { taskName } from './params.js';
import { playSteps } from './play-steps.js';
import { runTaskOnBatch } from './run-task.js';
import type { PlayScope, TaskSpec } from './run-host-task.js';
import type { HostRuntime, RunState } from './state.js';
import type { Play, Task } from './types.js';

/**
 * Handlers notified during one batch of a play: deduplicated per host, run at a flush in the play's
 * handler definition order, each only on the hosts that notified it.
 */
export class HandlerQueue {
  /** Handler name -> hosts waiting for it. */
  readonly #pending = new Map<string, Set<string>>();

  constructor(
    private readonly run: RunState,
    private readonly play: Play,
    private readonly playIndex: number,
  ) {}

  notify(host: string, names: readonly string[]): void {
    for (const name of names) {
      if (!this.play.handlers?.some((h) => h.name === name)) {
        this.run.events.emit({ type: 'warning', message: `play "${this.play.name}" has no handler "${name}"`, host });
        continue;
      }
      const hosts = this.#pending.get(name) ?? new Set<string>();
      if (hosts.has(host)) continue;
      hosts.add(host);
      this.#pending.set(name, hosts);
      this.run.events.emit({ type: 'handler.notified', play: this.play.name, handler: name, host, check: this.run.check });
    }
  }

  /**
   * The handlers a flush would run on `host` now, with those `notify` names added (a task about to
   * change): in definition order, the play's become folded in.
   */
  waitingOn(host: string, notify: readonly string[] = []): Task[] {
    return playSteps(this.play, this.playIndex).handlers.filter((h) => notify.includes(h.name) || this.#pending.get(h.name)?.has(host));
  }

  /**
   * Runs pending handlers on the batch's live hosts. A handler may notify a later one, which then
   * runs in the same flush because handlers are visited in order; `afterEach` applies the play's
   * failure thresholds between handlers as between tasks.
   */
  async flush(scope: PlayScope, batch: readonly HostRuntime[], afterEach: () => void): Promise<void> {
    // As they run: the play's become folded in (play-steps.ts), as into its tasks.
    for (const [index, handler] of playSteps(this.play, this.playIndex).handlers.entries()) {
      if (this.run.interrupts.stopped) return;
      const waiting = this.#pending.get(handler.name);
      if (!waiting || waiting.size === 0) continue;
      this.#pending.delete(handler.name);
      const hosts = batch.filter((h) => waiting.has(h.name));
      const spec: TaskSpec = {
        task: handler,
        name: taskName(handler),
        where: `plays[${this.playIndex}] "${this.play.name}" handlers[${index}] "${handler.name}"`,
        handler: true,
      };
      await runTaskOnBatch(this.run, scope, spec, hosts);
      afterEach();
    }
  }
}
