import type { RunOutcome } from '@meshbook/engine';

/** Documented exit codes of `meshbook` (the table is also in exit-codes.md and `--help`). */
export const EXIT = {
  /** Every host ok or changed. */
  OK: 0,
  /** At least one host failed a task. */
  HOST_FAILED: 2,
  /** `run --check --detailed-exitcode`: every host ok, and changes are pending. */
  CHANGES_PENDING: 3,
  /** At least one host unreachable (and none failed). */
  UNREACHABLE: 4,
  /** Bad input: inventory, playbook, parameters, CLI usage. Nothing ran on any host. */
  BAD_INPUT: 5,
  /** Interrupted: SIGINT, SIGTERM, SIGHUP, or stdout closed (EPIPE). */
  INTERRUPTED: 130,
  /** A bug in meshbook. */
  INTERNAL: 250,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const EXIT_BY_OUTCOME: Record<RunOutcome, ExitCode> = {
  ok: EXIT.OK,
  'host-failed': EXIT.HOST_FAILED,
  unreachable: EXIT.UNREACHABLE,
  interrupted: EXIT.INTERRUPTED,
  'internal-error': EXIT.INTERNAL,
};

/** The exit code of a run that ended with `outcome`. */
export function exitCodeOf(outcome: RunOutcome): ExitCode {
  return EXIT_BY_OUTCOME[outcome];
}

/** Appended to `--help`; the same table is in exit-codes.md. */
export const EXIT_CODES_HELP = `
Exit codes:
  ${EXIT.OK}    every host ok or changed
  ${EXIT.HOST_FAILED}    at least one host failed a task
  ${EXIT.CHANGES_PENDING}    run --check --detailed-exitcode: no failure, and changes are pending
  ${EXIT.UNREACHABLE}    at least one host unreachable (and none failed)
  ${EXIT.BAD_INPUT}    bad input (inventory, playbook, parameters, CLI usage): nothing ran
  ${EXIT.INTERRUPTED}  interrupted (SIGINT, SIGTERM, SIGHUP, or stdout closed)
  ${EXIT.INTERNAL}  a bug in meshbook`;
