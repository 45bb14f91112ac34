import type { HostOutput } from '@meshbook/engine';

/**
 * One host's block of `meshbook exec` output, as Ansible's ad-hoc mode prints it: a command's
 * `web1 | CHANGED | rc=0 >>` then its stdout and stderr; any other module's result as one line of
 * compact JSON. In check mode a command did not run, so its planned change is shown instead.
 */
export function renderHostOutput(result: HostOutput, check: boolean): string {
  const label = statusLabel(result.status);
  const command = check ? undefined : commandOutput(result);
  if (command) return block(`${result.host} | ${label} | rc=${command.rc} >>`, command.stdout, command.stderr);
  const summary: Record<string, unknown> = { changed: result.status === 'changed' };
  if (result.changes.length > 0) summary.changes = result.changes.map((change) => `${change.target}: ${change.summary}`);
  if (result.output !== undefined && !(check && isCommandOutput(result.output))) summary.output = result.output;
  if (result.status === 'skipped' && result.message) summary.skipped = result.message;
  if (result.error) summary.msg = result.error.message;
  if (result.error?.hint) summary.hint = result.error.hint;
  return `${result.host} | ${label} => ${JSON.stringify(summary)}\n`;
}

interface CommandShape {
  rc: number | null;
  stdout: string;
  stderr: string;
}

/** A command or shell task: its output on success, its failure's exit code and output otherwise. */
function commandOutput(result: HostOutput): CommandShape | undefined {
  if (isCommandOutput(result.output)) return { rc: result.output.exitCode, stdout: result.output.stdout, stderr: result.output.stderr };
  const error = result.error;
  if (error && error.exitCode !== undefined) return { rc: error.exitCode, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
  return undefined;
}

function isCommandOutput(output: unknown): output is { exitCode: number; stdout: string; stderr: string } {
  if (typeof output !== 'object' || output === null) return false;
  const fields = output as Record<string, unknown>;
  return typeof fields.exitCode === 'number' && typeof fields.stdout === 'string' && typeof fields.stderr === 'string';
}

/** `meshbook ping`'s line for a host it reached, as Ansible's ping module prints it. */
export function renderPing(result: HostOutput, check: boolean): string {
  if (result.status !== 'ok') return renderHostOutput(result, check);
  return `${result.host} | SUCCESS => {"ping":"pong"}\n`;
}

/** Ansible's words: SUCCESS for ok, FAILED, UNREACHABLE!, CHANGED, SKIPPED. */
function statusLabel(status: HostOutput['status']): string {
  if (status === 'ok') return 'SUCCESS';
  if (status === 'failed') return 'FAILED';
  if (status === 'unreachable') return 'UNREACHABLE!';
  return status.toUpperCase();
}

function block(header: string, stdout: string, stderr: string): string {
  const lines = [header];
  if (stdout) lines.push(stdout.replace(/\n$/, ''));
  if (stderr) lines.push(stderr.replace(/\n$/, ''));
  return `${lines.join('\n')}\n`;
}
