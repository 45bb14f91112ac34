import { toMeshbookError } from '@meshbook/engine';
import type { ErrorCode } from '@meshbook/engine';
import { EXIT } from './exit-codes.js';
import type { ExitCode } from './exit-codes.js';
import { escapeControl, redact } from '@meshbook/engine';
import type { OutputStream } from '@meshbook/engine';

const EXIT_BY_CODE: Partial<Record<ErrorCode, ExitCode>> = {
  BAD_INPUT: EXIT.BAD_INPUT,
  UNREACHABLE: EXIT.UNREACHABLE,
  HOST_KEY_MISMATCH: EXIT.UNREACHABLE,
  HOST_KEY_UNKNOWN: EXIT.UNREACHABLE,
  AUTH_FAILED: EXIT.UNREACHABLE,
  ABORTED: EXIT.INTERRUPTED,
};

/** Prints an error that ended a command (redacted) and returns the exit code it stands for. */
export function reportFatalError(error: unknown, stderr: OutputStream): ExitCode {
  const failure = toMeshbookError(error);
  const exitCode = EXIT_BY_CODE[failure.code] ?? (failure.code === 'INTERNAL' ? EXIT.INTERNAL : EXIT.HOST_FAILED);
  let text = `error: ${failure.describe()}\n`;
  if (exitCode === EXIT.INTERNAL) {
    const cause = failure.cause instanceof Error ? failure.cause : failure;
    text += `this is a bug in meshbook; please report it with this trace:\n${cause.stack ?? cause.message}\n`;
  }
  // An error may quote a host's stderr or a lock holder: shown escaped, never obeyed by the terminal.
  stderr.write(redact(escapeControl(text)));
  return exitCode;
}
