import { MeshbookError, sh } from '@meshbook/engine';
import type { CommandResult, ModuleContext, ShellCommand, ShellValue } from '@meshbook/engine';
import { runWithProgress } from '../lib/progress.js';
import { withoutStackTrace } from './helm-progress.js';

/** Which cluster helm talks to: a kubeconfig on the host and a context of it (helm's defaults otherwise). */
export interface HelmTarget {
  kubeconfig?: string | undefined;
  kubeContext?: string | undefined;
}

export function targetArgs(t: HelmTarget): ShellValue[] {
  return [...(t.kubeconfig ? ['--kubeconfig', t.kubeconfig] : []), ...(t.kubeContext ? ['--kube-context', t.kubeContext] : [])];
}

/** The `Error: …` line helm prints (all helm errors go to stderr that way, exit 1). */
export function helmErrorLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('Error: '));
  return (line ?? stderr.trim().split('\n').at(-1) ?? '').replace(/^Error: /, '').trim();
}

/**
 * A failed helm command as the user needs it: helm's own error line, told apart by message (helm
 * exits 1 for everything), with what to do about it.
 */
export function helmFailure(host: string, what: string, command: ShellCommand, result: Pick<CommandResult, 'exitCode' | 'stderr' | 'stdout'>): MeshbookError {
  const details = { host, command: command.display, exitCode: result.exitCode, stderr: withoutStackTrace(result.stderr), stdout: result.stdout };
  if (result.exitCode === 127) {
    return new MeshbookError('MODULE_FAILED', `${what}: helm is not installed on ${host}`, { ...details, hint: 'install helm first (the apt module, from the Helm apt repository)' });
  }
  const error = helmErrorLine(result.stderr);
  if (/Kubernetes cluster unreachable/.test(error)) {
    return new MeshbookError('UNREACHABLE', `${what}: ${error}`, { ...details, hint: 'check the kubeconfig helm uses on this host (`kubeconfig`) and that its API server is up' });
  }
  if (/another operation \(install\/upgrade\/rollback\) is in progress/.test(error)) {
    return new MeshbookError('MODULE_FAILED', `${what}: ${error}`, { ...details, hint: 'wait for the other operation to finish, or roll the release back (helm rollback) if it is stuck' });
  }
  if (/values don't meet the specifications of the schema/.test(result.stderr)) {
    const fields = result.stderr.split('\n').filter((l) => /^- /.test(l.trim())).map((l) => l.trim()).join('; ');
    return new MeshbookError('MODULE_FAILED', `${what}: the chart's schema rejects the values${fields ? `: ${fields}` : ''}`, { ...details, hint: "fix the values the chart's values.schema.json names" });
  }
  if (/(matching|version) .*not found|chart ".*" not found|no chart version found|failed to download/.test(error)) {
    return new MeshbookError('MODULE_FAILED', `${what}: ${error}`, { ...details, hint: 'check the chart name and version against `helm search repo CHART --versions`, or refresh the repository (helmRepository with updateCache)' });
  }
  return new MeshbookError('MODULE_FAILED', `${what}: ${error || `helm exited with ${result.exitCode}`}`, details);
}

/**
 * Runs helm and throws helmFailure unless it exits 0. With `progress`, its output goes to the live
 * view line by line as it comes, through that filter (helmProgressMask).
 */
export async function runHelm(ctx: ModuleContext, what: string, command: ShellCommand, timeoutMs?: number, progress?: (line: string, stream: 'stdout' | 'stderr') => string): Promise<CommandResult> {
  const options = timeoutMs === undefined ? {} : { timeoutMs };
  const result = progress ? await runWithProgress(ctx, command, options, progress) : await ctx.run(command, options);
  if (result.exitCode !== 0) throw helmFailure(ctx.host, what, command, result);
  return result;
}

export { sh };
