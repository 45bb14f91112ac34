import type { EventBus } from '../events/bus.js';
import type { ChangeView, ErrorView, HostCounts, HostStatus, RunOutcome } from '../events/types.js';
import type { Inventory, InventoryHost } from '../inventory/types.js';
import type { ConnectOptions, Transport } from '../transport/types.js';
import type { Vars } from '../inventory/types.js';
import type { RunEvaluations } from './evaluate-task.js';

/** One hour: longer than any seed task takes on a slow host (kubeadm init, an apt upgrade), short of forever. */
export const DEFAULT_TASK_TIMEOUT_MS = 3_600_000;

/** Which hosts and tasks a run (or a listing, or a validation) covers. */
export interface SelectionOptions {
  /** Host pattern intersected with each play's hosts (`--limit`). */
  limit?: string;
  /** `-e`: highest variable precedence. */
  extraVars?: Vars;
  /** Run only tasks with one of these tags ('all', 'tagged', 'untagged' as in Ansible). */
  tags?: readonly string[];
  /** Skip tasks with one of these tags. */
  skipTags?: readonly string[];
}

export interface RunPlaybookOptions extends SelectionOptions {
  inventory: Inventory;
  check?: boolean;
  diff?: boolean;
  /** Hosts worked on at the same time; default 16. */
  forks?: number;
  /**
   * Opens a host's connection (the CLI passes createTransport; tests pass fakes). `options.hostLock`
   * is the run's lock, to take while connecting; the runner then calls `transport.lockHost` with it.
   */
  connect: (host: InventoryHost, options: ConnectOptions) => Promise<Transport>;
  events?: EventBus;
  /** SIGINT: no new task starts; running commands get `graceMs`, then are aborted. */
  signal?: AbortSignal;
  /** Default 10000. */
  graceMs?: number;
  /** Shown in run.start; defaults to the playbook's name. */
  playbookName?: string;
  /** The controller's transport for `delegateTo: 'localhost'`; default a LocalTransport (tests pass a fake). */
  localTransport?: Transport;
  /**
   * Each host is locked for the run (runner/host-lock.ts) unless false. A host another run holds
   * is waited for up to `hostLockWaitMs` (default 30000), then reported HOST_LOCKED.
   */
  hostLock?: boolean;
  hostLockWaitMs?: number;
  /**
   * Timeout of a task that sets no `timeoutMs` of its own: a hung command (a prompt nobody answers,
   * a stalled download) fails its host with TIMEOUT instead of holding the run forever. Default
   * DEFAULT_TASK_TIMEOUT_MS; 0 means no default.
   */
  taskTimeoutMs?: number;
  /** Validate before anything connects (default true); the CLI may skip it when it already validated. */
  validate?: boolean;
  /**
   * What the caller's own `validatePlaybook` of this playbook evaluated, given the same object
   * there (with this run's inventory, selection and `check`): the run keeps those evaluations
   * instead of evaluating the tasks' params again, as a run that validates itself does.
   */
  evaluations?: RunEvaluations;
  /**
   * Called once per host and task, after its host.result event, with what the module returned
   * (a command's stdout, stderr and exit code): for a caller that shows it, as `meshbook exec`
   * does. Redacted as events are. Not an event, so --json and the log keep their schema; a run
   * without it does no extra work.
   */
  onHostOutput?: (output: HostOutput) => void;
}

/** One host's result of one task with the module's output (RunPlaybookOptions.onHostOutput). */
export interface HostOutput {
  play: string;
  task: string;
  host: string;
  status: HostStatus;
  changes: ChangeView[];
  /** The module's output, when it ran and succeeded (absent in check mode when known only after apply). */
  output?: unknown;
  message?: string;
  /** A failure, with a failed command's exit code and output. */
  error?: ErrorView & { exitCode?: number | null; stdout?: string; stderr?: string };
}

export interface RunSummary {
  outcome: RunOutcome;
  hosts: Record<string, HostCounts>;
  /** Why the run stopped early: the signal, any_errors_fatal, max_fail_percentage, a whole batch failed. */
  interrupted?: string;
  /** Hosts where a task was stopped midway: their state is unknown. */
  unknownState: string[];
  durationMs: number;
}
