import type { MeshbookEvent } from '../events/types.js';
import { formatDuration } from './style.js';

interface Running {
  /** The host's latest output line of this task, if it printed any. */
  lastLine?: string;
}

/**
 * Which hosts are still working on the current task, since when, and what each printed last:
 * the state behind the live view, kept from the events alone.
 */
export class RunningHosts {
  #task: { play: string; name: string; since: number } | undefined;
  readonly #hosts = new Map<string, Running>();

  update(event: MeshbookEvent): void {
    switch (event.type) {
      case 'task.start':
        this.#task = { play: event.play, name: event.task, since: event.time };
        this.#hosts.clear();
        for (const host of event.hosts) this.#hosts.set(host, {});
        return;
      case 'host.progress': {
        const running = this.#isCurrent(event) ? this.#hosts.get(event.host) : undefined;
        if (running) running.lastLine = event.line.trim().replace(/\s+/g, ' ');
        return;
      }
      case 'host.retry': {
        const running = this.#isCurrent(event) ? this.#hosts.get(event.host) : undefined;
        if (running) running.lastLine = `attempt ${event.attempt.number} of ${event.attempt.of} did not settle it; retrying in ${event.delaySeconds} s`;
        return;
      }
      case 'host.result':
        // A looping task is done on a host at its last item (or when the host was lost).
        if (this.#isCurrent(event) && (!event.loop || event.loop.index === event.loop.of - 1 || event.status === 'unreachable')) this.#hosts.delete(event.host);
        return;
      case 'play.end':
      case 'recap':
        this.#task = undefined;
        this.#hosts.clear();
        return;
      default:
        return;
    }
  }

  get task(): string | undefined {
    return this.#task?.name;
  }

  get hosts(): string[] {
    return [...this.#hosts.keys()];
  }

  /**
   * For a terminal: one line per running host (task, time so far, last output line), then
   * `waiting on N hosts: a, b, c`; at most `maxHosts` host lines. Empty when nothing runs.
   */
  lines(now: number, maxHosts: number): string[] {
    if (!this.#task || this.#hosts.size === 0) return [];
    const elapsed = formatDuration(now - this.#task.since);
    const names = [...this.#hosts.keys()];
    const width = Math.max(...names.map((n) => n.length));
    const lines = names.slice(0, maxHosts).map((name) => {
      const last = this.#hosts.get(name)?.lastLine;
      return `  ${name.padEnd(width)}  ${this.#task!.name} (${elapsed})${last ? `: ${last}` : ''}`;
    });
    const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')}, …` : names.join(', ');
    lines.push(`waiting on ${names.length} host${names.length === 1 ? '' : 's'}: ${shown}`);
    return lines;
  }

  /** Off a terminal: `still running on node3, node7 (40 s)`, or undefined when nothing runs. */
  stillRunning(now: number): string | undefined {
    if (!this.#task || this.#hosts.size === 0) return undefined;
    return `still running on ${this.hosts.join(', ')} (${Math.round((now - this.#task.since) / 1000)} s)`;
  }

  #isCurrent(event: { play: string; task: string }): boolean {
    return this.#task !== undefined && event.play === this.#task.play && event.task === this.#task.name;
  }
}
