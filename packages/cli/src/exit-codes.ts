import { EXIT } from '@meshbook/engine';

/** Appended to `--help`; the same table is in exit-codes.md. */
export const EXIT_CODES_HELP = `
Exit codes:
  ${EXIT.OK}    every host ok or changed
  ${EXIT.HOST_FAILED}    at least one host failed a task
  ${EXIT.UNREACHABLE}    at least one host unreachable (and none failed)
  ${EXIT.BAD_INPUT}    bad input (inventory, playbook, parameters, CLI usage): nothing ran
  ${EXIT.INTERRUPTED}  interrupted (SIGINT/SIGTERM)
  ${EXIT.INTERNAL}  a bug in meshbook`;
