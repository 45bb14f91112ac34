import { redact } from './secret.js';

/** Stable error codes: reporters, exit codes and tests match on these, never on message text. */
export type ErrorCode =
  | 'BAD_INPUT' // inventory, playbook or parameter validation
  | 'UNREACHABLE' // connect, handshake, auth, or the connection dropped
  | 'HOST_KEY_MISMATCH'
  | 'HOST_KEY_UNKNOWN'
  | 'AUTH_FAILED'
  | 'BECOME_FAILED' // sudo: wrong password, missing password, not installed
  | 'COMMAND_FAILED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'TRANSFER_FAILED'
  | 'MODULE_FAILED'
  | 'HOST_LOCKED'
  | 'KNOWN_AFTER_APPLY' // a value known only after apply reached a real run
  | 'INTERNAL';

export interface MeshbookErrorDetails {
  host?: string;
  /** The command as displayed (secrets masked). */
  command?: string;
  exitCode?: number | null;
  stdout?: string;
  stderr?: string;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

/**
 * Every error meshbook raises. Its message and fields are redacted on construction, so an error
 * that reaches any output path cannot carry a secret's text.
 */
export class MeshbookError extends Error {
  readonly code: ErrorCode;
  readonly host: string | undefined;
  readonly command: string | undefined;
  readonly exitCode: number | null | undefined;
  readonly stdout: string | undefined;
  readonly stderr: string | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, details: MeshbookErrorDetails = {}) {
    super(redact(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MeshbookError';
    this.code = code;
    this.host = details.host;
    this.command = details.command === undefined ? undefined : redact(details.command);
    this.exitCode = details.exitCode;
    this.stdout = details.stdout === undefined ? undefined : redact(details.stdout);
    this.stderr = details.stderr === undefined ? undefined : redact(details.stderr);
    this.hint = details.hint === undefined ? undefined : redact(details.hint);
  }

  /** One readable block: message, host, command, exit code, stderr tail, hint. */
  describe(): string {
    const lines = [this.message];
    if (this.host) lines.push(`  host: ${this.host}`);
    if (this.command) lines.push(`  command: ${this.command}`);
    if (this.exitCode !== undefined && this.exitCode !== null) lines.push(`  exit code: ${this.exitCode}`);
    if (this.stderr?.trim()) lines.push(`  stderr: ${tail(this.stderr.trim(), 20)}`);
    if (this.hint) lines.push(`  fix: ${this.hint}`);
    return lines.join('\n');
  }
}

function tail(text: string, maxLines: number): string {
  const lines = text.split('\n');
  return (lines.length > maxLines ? ['…', ...lines.slice(-maxLines)] : lines).join('\n    ');
}

export function isMeshbookError(error: unknown): error is MeshbookError {
  return error instanceof MeshbookError;
}

/**
 * The message of anything thrown. A zod error (a schema parsed inside a playbook callback) becomes
 * one `path: message` line per issue instead of zod's JSON dump.
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error && 'issues' in error && Array.isArray(error.issues)) {
    return (error.issues as Array<{ path?: PropertyKey[]; message?: string }>)
      .map((issue) => {
        const path = (issue.path ?? []).map(String).join('.');
        return path ? `variable "${path}": ${issue.message}` : String(issue.message);
      })
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** Wraps anything thrown into a MeshbookError (redacted), keeping codes that are already there. */
export function toMeshbookError(error: unknown, fallback: ErrorCode = 'INTERNAL', host?: string): MeshbookError {
  if (error instanceof MeshbookError) return error;
  const isZod = error instanceof Error && 'issues' in error;
  return new MeshbookError(isZod ? 'BAD_INPUT' : fallback, messageOf(error), { host, cause: error });
}
