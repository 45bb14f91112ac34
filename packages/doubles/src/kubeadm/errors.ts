/**
 * kubeadm's exit codes (cmd/kubeadm/app/util/error.go): a list of validation errors exits 3,
 * everything else 1 (a failed preflight too: the workflow wraps it as "error execution phase …").
 */
export const EXIT_DEFAULT = 1;
export const EXIT_VALIDATION = 3;

/** An error kubeadm prints as-is on stderr, followed by its stack-trace hint. */
export class KubeadmError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_DEFAULT) {
    super(message);
  }
}

/** One `field.Error` of a validation, printed `path: Invalid value: "v": detail`. */
export interface FieldError {
  path: string;
  value: unknown;
  detail: string;
  type?: 'Invalid value' | 'Required value' | 'Unsupported value';
}

export function formatFieldError(e: FieldError): string {
  const type = e.type ?? 'Invalid value';
  if (type === 'Required value') return `${e.path}: Required value${e.detail ? `: ${e.detail}` : ''}`;
  const value = typeof e.value === 'string' ? JSON.stringify(e.value) : String(e.value);
  return `${e.path}: ${type}: ${value}: ${e.detail}`;
}

/** An `errors.Aggregate`: one error alone, several as `[a, b]`; exit code 3. */
export function validationError(errors: FieldError[]): KubeadmError {
  const messages = errors.map(formatFieldError);
  return new KubeadmError(messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`, EXIT_VALIDATION);
}

/** The failure of one phase of a workflow (init, join), as kubeadm's runner wraps it. */
export function phaseError(phase: string, message: string): KubeadmError {
  return new KubeadmError(`error execution phase ${phase}: ${message}`);
}

export const STACK_TRACE_HINT = 'To see the stack trace of this error execute with --v=5 or higher';

/** klog's warning line on stderr: `W1201 08:41:23.123456    1234 file.go:332] message`. */
export function klogWarning(source: string, message: string, now = new Date()): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}.${pad(now.getUTCMilliseconds() * 1000, 6)}`;
  return `W${stamp} ${String(process.pid).padStart(7)} ${source}] ${message}`;
}
