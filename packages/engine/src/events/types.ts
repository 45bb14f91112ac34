/**
 * The engine's typed events: a discriminated union on `type`. The engine emits them; reporters
 * (human, JSON lines, pino log) subscribe. Every string in an event is redacted before emission.
 * This is also the `--json` schema: one event per line.
 */
export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface ChangeView {
  kind: string;
  target: string;
  summary: string;
}

export interface ErrorView {
  code: string;
  message: string;
  hint?: string;
}

export interface HostCounts {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  ignored: number;
  /** Blocks whose rescue ran on this host (Ansible's `rescued`): the failure that sent it there is not counted as failed. */
  rescued: number;
  /** SSH round trips this host cost during the run (0 for the local transport). */
  roundTrips: number;
}

interface Base {
  /** Milliseconds since the epoch. */
  time: number;
}

export type MeshbookEvent =
  | (Base & { type: 'run.start'; playbook: string; check: boolean; diff: boolean; hosts: string[] })
  | (Base & { type: 'play.start'; play: string; hosts: string[]; batch?: { index: number; of: number } })
  | (Base & {
      type: 'task.start';
      play: string;
      task: string;
      handler: boolean;
      /** The hosts it starts on (the batch's live hosts; the first one for runOnce). */
      hosts: string[];
    })
  | (Base & {
      type: 'host.result';
      play: string;
      task: string;
      host: string;
      status: HostStatus;
      handler: boolean;
      /** The loop item's label, when the task loops. */
      item?: string;
      /** Which item of how many, when the task loops (the last one ends the task on this host). */
      loop?: { index: number; of: number };
      changes: ChangeView[];
      /** Rendered diff when --diff is on and something changed. */
      diff?: string;
      /** In check mode, true when the result rests on a value known only after apply. */
      knownAfterApply?: boolean;
      /** A failure that ignore_errors turned into ok. */
      ignored?: boolean;
      /** A task with until/retries: the attempt this result came from, of how many at most. */
      attempt?: { number: number; of: number };
      /** A failure inside a block with a rescue: the host goes on with the rescue and is not counted failed. */
      rescue?: boolean;
      message?: string;
      error?: ErrorView;
      durationMs: number;
    })
  /** An attempt of a task with until/retries that did not settle it: the task runs again after `delaySeconds`. */
  | (Base & {
      type: 'host.retry';
      play: string;
      task: string;
      host: string;
      handler: boolean;
      item?: string;
      loop?: { index: number; of: number };
      /** This attempt's number (from 1), of how many at most. */
      attempt: { number: number; of: number };
      /** What this attempt came to. */
      status: HostStatus;
      message?: string;
      error?: ErrorView;
      delaySeconds: number;
      durationMs: number;
    })
  | (Base & { type: 'host.progress'; play: string; task: string; host: string; line: string })
  /** A block's tasks start on these hosts (each task still checks the block's `when`). */
  | (Base & { type: 'block.start'; play: string; block: string; hosts: string[] })
  /** A block's rescue starts on these hosts: a task of the block failed there, and the rescue takes it. */
  | (Base & { type: 'block.rescue'; play: string; block: string; hosts: string[] })
  /** A block's always starts on these hosts: every host that entered it (after a stop, those whose block failed), unreachable ones excepted. */
  | (Base & { type: 'block.always'; play: string; block: string; hosts: string[] })
  | (Base & { type: 'handler.notified'; play: string; handler: string; host: string; check: boolean })
  | (Base & { type: 'play.end'; play: string; durationMs: number })
  | (Base & { type: 'warning'; message: string; host?: string })
  /** The host's connection was opened again (it dropped between tasks, or a module such as a reboot ended it): host lock taken again, cached facts dropped. */
  | (Base & { type: 'host.reconnect'; host: string; reason: string })
  /** Detail for -vvv from a host's transport, such as output dropped because it belonged to no command. */
  | (Base & { type: 'host.debug'; host: string; message: string })
  | (Base & {
      type: 'recap';
      hosts: Record<string, HostCounts>;
      durationMs: number;
      /** Set when the run stopped early (SIGINT, any_errors_fatal, max_fail_percentage). */
      interrupted?: string;
      /** Hosts where a task was stopped midway: their state is unknown. */
      unknownState?: string[];
    })
  | (Base & { type: 'run.end'; outcome: RunOutcome; durationMs: number });

/**
 * How a run ended, the first that applies: an internal error (a bug in meshbook), interrupted by
 * the caller's signal (a stop by any_errors_fatal or max_fail_percentage is `host-failed`), a host
 * failed a task, a host was unreachable, else ok. The CLI maps it to its exit code.
 */
export type RunOutcome = 'internal-error' | 'interrupted' | 'host-failed' | 'unreachable' | 'ok';

export type MeshbookEventType = MeshbookEvent['type'];
export type EventOf<T extends MeshbookEventType> = Extract<MeshbookEvent, { type: T }>;

export type EventListener = (event: MeshbookEvent) => void;
