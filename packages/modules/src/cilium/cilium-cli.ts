import { MeshbookError, defineFact, sh } from '@meshbook/engine';
import type { CommandResult, ModuleContext, ShellCommand, ShellValue } from '@meshbook/engine';
import { z } from 'zod';

/** Which cluster cilium-cli talks to: a kubeconfig on the host and one of its contexts. */
export const ciliumTargetShape = {
  kubeconfig: z.string().regex(/^\/[^\0\n]*$/, 'an absolute path on the host'),
  context: z.string().regex(/^[^\s'"]+$/, 'a context name such as kubernetes-admin-ayk@cluster-ayk').optional(),
};

/** Which cluster a cilium task talks to (docs shown on hover in every cilium module). */
export interface CiliumTarget {
  /** Absolute path of a kubeconfig on the host: cilium-cli's --kubeconfig. */
  kubeconfig: string;
  /** A context of that kubeconfig ('kubernetes-admin-ayk@cluster-ayk'): cilium-cli's --context; default its current-context. */
  context?: string | undefined;
}

/** Given after the subcommand (`cilium clustermesh status --context …`), where every cilium-cli takes them. */
export function targetArgs(t: CiliumTarget): ShellValue[] {
  return ['--kubeconfig', t.kubeconfig, ...(t.context ? ['--context', t.context] : [])];
}

export const describeTarget = (t: CiliumTarget) => t.context ?? `the current context of ${t.kubeconfig}`;

/** cilium-cli's fatal errors: `\nError: <msg>` on stderr, exit 1. */
export function ciliumErrorLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('Error: '));
  return (line ?? stderr.trim().split('\n').at(-1) ?? '').replace(/^Error: /, '').trim();
}

export function ciliumFailure(host: string, what: string, command: ShellCommand, result: Pick<CommandResult, 'exitCode' | 'stderr' | 'stdout'>): MeshbookError {
  const details = { host, command: command.display, exitCode: result.exitCode, stderr: result.stderr, stdout: result.stdout };
  if (result.exitCode === 127) {
    return new MeshbookError('MODULE_FAILED', `${what}: cilium-cli is not installed on ${host}`, { ...details, hint: 'install it first (the ciliumCli module)' });
  }
  const error = ciliumErrorLine(result.stderr);
  if (/unable to create Kubernetes client|connection refused|no such host|context .* does not exist/i.test(error)) {
    return new MeshbookError('UNREACHABLE', `${what}: ${error}`, { ...details, hint: 'check the kubeconfig and context cilium-cli uses on this host and that its API server is up' });
  }
  return new MeshbookError('MODULE_FAILED', `${what}: ${error || `cilium exited with ${result.exitCode}`}`, details);
}

export async function runCilium(ctx: ModuleContext, what: string, command: ShellCommand, timeoutMs?: number): Promise<CommandResult> {
  const result = await ctx.run(command, timeoutMs === undefined ? {} : { timeoutMs });
  if (result.exitCode !== 0) throw ciliumFailure(ctx.host, what, command, result);
  return result;
}

/** `cilium clustermesh status -o json`, as cilium-cli prints it (zero numbers omitted, cluster_id a string). */
export interface ClustermeshStatusJson {
  access_information?: { service_type?: string; service_ips?: string[]; service_port?: number; cluster_id?: string; cluster_name?: string };
  connectivity?: { clusters?: Record<string, { configured?: number; connected?: number }>; total?: number };
}

/**
 * What `clustermesh status -o json` says about one cluster: enabled (with its access information
 * and peers), not enabled, or not answerable yet (no cilium-cli, no kubeconfig, API down: on a
 * fresh host in check mode, an earlier task would make it answerable).
 */
export type ClustermeshState =
  | { state: 'enabled'; status: ClustermeshStatusJson }
  | { state: 'disabled' }
  | { state: 'unavailable'; reason: string };

const statusCommand = (t: CiliumTarget) => sh`cilium clustermesh status ${targetArgs(t)} -o json`;

export function parseClustermeshStatus(result: Pick<CommandResult, 'exitCode' | 'stdout' | 'stderr'>): ClustermeshState {
  if (result.exitCode === 127) return { state: 'unavailable', reason: 'cilium-cli is not installed' };
  const error = ciliumErrorLine(result.stderr);
  if (result.exitCode !== 0) {
    // cilium-cli: `Unable to determine status:  unable to get clustermesh service "clustermesh-apiserver": …`
    if (/clustermesh-apiserver/.test(error) && /not ?found|unable to get clustermesh service/i.test(error)) return { state: 'disabled' };
    return { state: 'unavailable', reason: error || `cilium exited with ${result.exitCode}` };
  }
  try {
    return { state: 'enabled', status: JSON.parse(result.stdout) as ClustermeshStatusJson };
  } catch {
    return { state: 'unavailable', reason: `clustermesh status -o json printed no JSON: ${result.stdout.slice(0, 200)}` };
  }
}

export const clustermeshStatus = defineFact<CiliumTarget, ClustermeshState>({
  name: 'cilium.clustermesh_status',
  command: (t) => statusCommand(t),
  parse: (result) => parseClustermeshStatus(result),
});
