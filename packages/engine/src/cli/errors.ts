import { toMeshbookError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { EXIT } from '../events/types.js';
import type { ExitCode } from '../events/types.js';
import { redact } from '../secret.js';
import type { OutputStream } from '../reporters/stream.js';

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
  stderr.write(redact(text));
  return exitCode;
}
