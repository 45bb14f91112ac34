import { z } from 'zod';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change, ModuleContext } from '@meshbook/engine';
import { absolutePath } from './lib/file-attributes.js';
import { pause } from './lib/pause.js';
import type { DocumentedParams } from './lib/documented-params.js';

/**
 * What is waited for. A port is tried from the host (the connection is opened by the host, as
 * Ansible's wait_for runs there): `started` once something accepts, `stopped` once nothing does.
 * A path: `present` once it exists (and its content matches `searchRegex`, if given), `absent`
 * once it is gone (or no longer matches). Neither: wait `timeoutSeconds` and succeed.
 */
export type WaitCondition =
  | { kind: 'port'; host: string; port: number; state: 'started' | 'stopped' }
  | { kind: 'path'; path: string; state: 'present' | 'absent'; searchRegex: string | undefined }
  | { kind: 'sleep' };

const seconds = (fallback: number) => z.number().nonnegative().default(fallback);

/** The waitFor task's params as written (an interface, so editors show each field's documentation). */
export interface WaitForInput {
  /** Address the host connects to for port (resolved on the host); default 127.0.0.1, the host itself. Ansible: host. */
  host?: string | undefined;
  /** A TCP port to wait for, tried from the host (give this or path; neither: just wait timeoutSeconds). Ansible: port. */
  port?: number | undefined;
  /** An absolute path on the host to wait for (give this or port). Ansible: path. */
  path?: string | undefined;
  /**
   * started/present (default): the port accepts, or the path exists (and matches searchRegex);
   * stopped/absent: the port refuses, or the path is gone (or no longer matches). Ansible: state.
   */
  state?: 'started' | 'stopped' | 'present' | 'absent' | undefined;
  /** A JavaScript regular expression (multiline) the file's content must match; path only. Ansible: search_regex. */
  searchRegex?: string | undefined;
  /** How long to wait in all, after delaySeconds; then the task fails. Default 300. Ansible: timeout. */
  timeoutSeconds?: number | undefined;
  /** Wait this long before the first check. Default 0. Ansible: delay. */
  delaySeconds?: number | undefined;
  /** Seconds between checks. Default 1. Ansible: sleep. */
  sleepSeconds?: number | undefined;
  /** How long one connection attempt may take. Default 5. Ansible: connect_timeout. */
  connectTimeoutSeconds?: number | undefined;
  /** Replaces the failure message when the condition is not met in time. Ansible: msg. */
  msg?: string | undefined;
}

const paramsSchema = z
  .strictObject({
    host: z.string().regex(/^[A-Za-z0-9._:-]+$/, 'a host name or IP address').default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).optional(),
    path: absolutePath.optional(),
    state: z.enum(['started', 'stopped', 'present', 'absent']).optional(),
    searchRegex: z
      .string()
      .min(1)
      .refine((source) => compiles(source), 'a valid regular expression')
      .optional(),
    timeoutSeconds: seconds(300),
    delaySeconds: seconds(0),
    sleepSeconds: z.number().positive().default(1),
    connectTimeoutSeconds: z.number().positive().default(5),
    msg: z.string().min(1).optional(),
  })
  .superRefine((p, issue) => {
    if (p.port !== undefined && p.path !== undefined) issue.addIssue({ code: 'custom', path: ['path'], message: 'port and path exclude each other: wait for one' });
    if (p.searchRegex !== undefined && p.path === undefined) issue.addIssue({ code: 'custom', path: ['searchRegex'], message: 'searchRegex needs a path (meshbook does not read from ports)' });
  })
  .transform((p) => ({ ...p, condition: conditionOf(p) }));
const params: DocumentedParams<typeof paramsSchema, WaitForInput> = paramsSchema;

function compiles(source: string): boolean {
  try {
    new RegExp(source, 'm');
    return true;
  } catch {
    return false;
  }
}

function conditionOf(p: { host: string; port?: number | undefined; path?: string | undefined; state?: string | undefined; searchRegex?: string | undefined }): WaitCondition {
  const gone = p.state === 'stopped' || p.state === 'absent';
  if (p.port !== undefined) return { kind: 'port', host: p.host, port: p.port, state: gone ? 'stopped' : 'started' };
  if (p.path !== undefined) return { kind: 'path', path: p.path, state: gone ? 'absent' : 'present', searchRegex: p.searchRegex };
  return { kind: 'sleep' };
}

export type WaitForParams = z.output<typeof paramsSchema>;

/** One look at the host. */
export type Observation =
  | { kind: 'port'; open: boolean; detail: string }
  | { kind: 'path'; exists: boolean; content: string | undefined }
  | { kind: 'sleep' };

/** What the wait came to: gather waits (in check mode too, as Ansible's wait_for does); plan judges. */
export interface WaitOutcome {
  met: boolean;
  elapsedSeconds: number;
  /** The last look, for the failure message. */
  last: Observation | undefined;
  /** The text searchRegex matched. */
  match: string | undefined;
}

export interface WaitForOutput {
  elapsedSeconds: number;
  match?: string;
}

/** Whether one observation meets the condition (and what searchRegex matched). */
export function conditionMet(condition: WaitCondition, seen: Observation): { met: boolean; match?: string } {
  if (condition.kind === 'sleep' || seen.kind === 'sleep') return { met: false };
  if (condition.kind === 'port') return { met: seen.kind === 'port' && seen.open === (condition.state === 'started') };
  if (seen.kind !== 'path') return { met: false };
  const found = seen.exists && seen.content !== undefined && condition.searchRegex !== undefined ? new RegExp(condition.searchRegex, 'm').exec(seen.content) : null;
  const present = seen.exists && (condition.searchRegex === undefined || found !== null);
  if (condition.state === 'present') return found ? { met: present, match: found[0] } : { met: present };
  return { met: !present };
}

export function describeCondition(condition: WaitCondition): string {
  if (condition.kind === 'port') return `port ${condition.port} on ${condition.host} to ${condition.state === 'started' ? 'accept connections' : 'stop accepting connections'}`;
  if (condition.kind === 'path') {
    const what = condition.searchRegex === undefined ? condition.path : `${condition.path} to ${condition.state === 'present' ? 'match' : 'stop matching'} /${condition.searchRegex}/`;
    return condition.searchRegex === undefined ? `${what} to be ${condition.state}` : what;
  }
  return 'the timeout';
}

/**
 * Waits on the host for a TCP port to open or close, or a file to appear, disappear or contain a
 * regular expression, polling every `sleepSeconds` for at most `timeoutSeconds` after
 * `delaySeconds`. Read-only: it never reports a change, and waits in check mode as well (Ansible's
 * wait_for does the same). Not meeting the condition in time fails the task.
 */
export const waitFor = defineModule({
  name: 'waitFor',
  params,
  gather: (ctx, params) => waitOnHost(ctx, params),
  plan(outcome: WaitOutcome, params): Change<'waitFor.none', null>[] {
    if (outcome.met) return [];
    const last = outcome.last?.kind === 'port' ? ` (last attempt: ${outcome.last.detail})` : '';
    throw new MeshbookError('MODULE_FAILED', params.msg ?? `waitFor: timed out after ${outcome.elapsedSeconds} s waiting for ${describeCondition(params.condition)}${last}`, {
      hint: 'raise timeoutSeconds, or check what should bring the condition about',
    });
  },
  apply: async () => undefined,
  output: (outcome): WaitForOutput => ({ elapsedSeconds: outcome.elapsedSeconds, ...(outcome.match === undefined ? {} : { match: outcome.match }) }),
});

async function waitOnHost(ctx: ModuleContext, params: WaitForParams): Promise<WaitOutcome> {
  const started = Date.now();
  const elapsed = () => Math.round((Date.now() - started) / 100) / 10;
  await pause(params.delaySeconds * 1000, ctx.signal, 'waitFor');
  const deadline = Date.now() + params.timeoutSeconds * 1000;
  const { condition } = params;
  if (condition.kind === 'sleep') {
    await pause(deadline - Date.now(), ctx.signal, 'waitFor');
    return { met: true, elapsedSeconds: elapsed(), last: undefined, match: undefined };
  }
  let last: Observation | undefined;
  for (;;) {
    last = await observe(ctx, condition, params.connectTimeoutSeconds * 1000);
    const verdict = conditionMet(condition, last);
    if (verdict.met) return { met: true, elapsedSeconds: elapsed(), last, match: verdict.match };
    const left = deadline - Date.now();
    if (left <= 0) return { met: false, elapsedSeconds: elapsed(), last, match: undefined };
    await pause(Math.min(params.sleepSeconds * 1000, left), ctx.signal, 'waitFor');
  }
}

/** Files up to this size are searched; the rest of a larger file is not read. */
const SEARCH_MAX_BYTES = 8 * 1024 * 1024;

async function observe(ctx: ModuleContext, condition: Exclude<WaitCondition, { kind: 'sleep' }>, connectTimeoutMs: number): Promise<Observation> {
  if (condition.kind === 'port') return probePort(ctx, condition.host, condition.port, connectTimeoutMs);
  const result = await ctx.run(
    condition.searchRegex === undefined
      ? sh`if [ -e ${condition.path} ]; then echo present; else echo absent; fi`
      : sh`if [ -e ${condition.path} ]; then echo present; head -c ${SEARCH_MAX_BYTES} -- ${condition.path}; else echo absent; fi`,
  );
  if (result.exitCode !== 0) {
    throw new MeshbookError('MODULE_FAILED', `waitFor: reading ${condition.path} failed: ${result.stderr.trim() || `exit code ${result.exitCode}`}`, { host: ctx.host });
  }
  const exists = result.stdout.startsWith('present\n');
  return { kind: 'path', exists, content: exists && condition.searchRegex !== undefined ? result.stdout.slice('present\n'.length) : undefined };
}

/** A TCP connection opened by the host (SSH direct-tcpip): open if it is accepted. */
async function probePort(ctx: ModuleContext, host: string, port: number, timeoutMs: number): Promise<Observation> {
  const openTcp = ctx.transport.openTcp?.bind(ctx.transport);
  if (!openTcp) throw new MeshbookError('MODULE_FAILED', `waitFor: the ${ctx.transport.kind} transport cannot open connections from the host`, { host: ctx.host });
  try {
    const stream = await openTcp(host, port, { timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    stream.destroy();
    return { kind: 'port', open: true, detail: 'accepted' };
  } catch (error) {
    if (error instanceof MeshbookError && (error.code === 'UNREACHABLE' || error.code === 'TIMEOUT') && !/connection to .* lost|is closed/.test(error.message)) {
      return { kind: 'port', open: false, detail: error.message };
    }
    throw error;
  }
}
