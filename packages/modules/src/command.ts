import { z } from 'zod';
import { MeshbookError, Secret, argv as argvCommand, defineModule } from '@meshbook/engine';
import type { Change, CommandResult, ModuleContext, ShellCommand } from '@meshbook/engine';
import { commandResult } from './lib/command-result.js';
import { absolutePath } from './lib/file-attributes.js';
import { fileState } from './lib/file-facts.js';

export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Why the command did not run (creates/removes), when it did not. */
  skipped?: string;
}

export interface CommandFacts {
  /** The reason the command need not run (creates exists / removes absent), or null. */
  done: string | null;
  /** readOnly commands run in gather: their result. */
  result: CommandOutput | null;
}

// Shared by command and shell.
const runShape = {
  /** Skip when this path exists (the command's product is there). */
  creates: absolutePath.optional(),
  /** Skip when this path does not exist (nothing left to remove). */
  removes: absolutePath.optional(),
  chdir: absolutePath.optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()).optional(),
  /** Given on stdin, never on the command line; a Secret stays masked everywhere. */
  stdin: z.union([z.string(), z.instanceof(Secret)]).optional(),
  /**
   * A read-only check: runs in gather (also in check mode) and never reports a change. Its result
   * is a single-use fact: the play may run it ahead with the other checks, in one round trip, but
   * each task gets a run of its own (two identical commands are two runs), and after a change on
   * the host (or any host of the batch) the command runs again at its task. It runs at its task
   * anyway with `creates`/`removes` (asked only after that check), a task `timeoutMs`, stdin, or
   * a Secret in argv.
   */
  readOnly: z.boolean().default(false),
  /** Exit codes that count as success. */
  okExitCodes: z.array(z.number().int().min(0).max(255)).min(1).default([0]),
};

const commandParams = z.strictObject({
  /** Program and arguments: each word quoted, nothing interpreted by a shell. */
  argv: z.array(z.union([z.string(), z.instanceof(Secret)])).min(1, 'at least the program name'),
  ...runShape,
});

const shellParams = z.strictObject({
  /** Shell text, run with sh -c: pipes, redirections and expansions are meant. */
  cmd: z.string().min(1),
  ...runShape,
});

type RunParams = z.output<z.ZodObject<typeof runShape>>;

/** A program run with its arguments as given (no shell). */
export const command = defineModule({
  name: 'command',
  params: commandParams,
  gather: (ctx, params) => gatherRun(ctx, params, params.argv),
  plan: (facts, params): Change[] => planRun('command', facts, params, argvCommand(...params.argv)),
  apply: (ctx, _changes, params) => execute(ctx, params, argvCommand(...params.argv)),
  output: (facts) => outputOf(facts),
});

/** Shell text run through `sh -c`, for when pipes or expansions are wanted. */
export const shell = defineModule({
  name: 'shell',
  params: shellParams,
  gather: (ctx, params) => gatherRun(ctx, params, shellArgv(params.cmd)),
  plan: (facts, params): Change[] => planRun('shell', facts, params, shellCommand(params.cmd)),
  apply: (ctx, _changes, params) => execute(ctx, params, shellCommand(params.cmd)),
  output: (facts) => outputOf(facts),
});

type Words = ReadonlyArray<string | Secret>;

// Its own sh process: `exit`, `cd` or `set` in the text cannot touch the transport's kept session.
function shellArgv(cmd: string): Words {
  return ['sh', '-c', cmd];
}

function shellCommand(cmd: string): ShellCommand {
  return argvCommand(...shellArgv(cmd));
}

async function gatherRun(ctx: ModuleContext, params: RunParams, words: Words): Promise<CommandFacts> {
  const done = await doneReason(ctx, params);
  const result = params.readOnly && done === null ? await readOnlyRun(ctx, params, words) : null;
  return { done, result };
}

/** Why the command need not run (creates/removes), or null; asks the host only when one is set. */
async function doneReason(ctx: ModuleContext, params: RunParams): Promise<string | null> {
  // Nothing to ask: no empty request, which would also end the runner's probe of this gather early.
  if (params.creates === undefined && params.removes === undefined) return null;
  // One round trip for both conditions (file-state facts, dropped when a file module changes them).
  const paths = await ctx.facts({
    ...(params.creates !== undefined ? { creates: fileState(params.creates, 0) } : {}),
    ...(params.removes !== undefined ? { removes: fileState(params.removes, 0) } : {}),
  });
  const present = (s: { exists: boolean; isLink: boolean } | undefined) => s !== undefined && (s.exists || s.isLink);
  if (params.creates !== undefined && present(paths.creates)) return `${params.creates} exists`;
  if (params.removes !== undefined && !present(paths.removes)) return `${params.removes} does not exist`;
  return null;
}

/**
 * A read-only command, asked as a single-use fact so the play's prefetch can batch it. Not so with
 * a Secret in argv (the fact's cache key and the batch's display would hold or hide it) or with
 * stdin (a batch gives each command /dev/null): those run here, at their task's time.
 */
async function readOnlyRun(ctx: ModuleContext, params: RunParams, words: Words): Promise<CommandOutput> {
  const cmd = argvCommand(...words);
  const plain = words.filter((w): w is string => typeof w === 'string');
  if (plain.length < words.length || params.stdin !== undefined) return execute(ctx, params, cmd);
  const result = await ctx.fact(commandResult({ argv: plain, chdir: params.chdir, env: params.env }));
  return checked(ctx, params, cmd, result);
}

function planRun(module: string, facts: CommandFacts, params: RunParams, cmd: ShellCommand): Change[] {
  if (params.readOnly || facts.done !== null) return [];
  const where = params.chdir ? ` (in ${params.chdir})` : '';
  return [{ kind: `${module}.run`, target: cmd.display, summary: `run ${cmd.display}${where}` }];
}

async function execute(ctx: ModuleContext, params: RunParams, cmd: ShellCommand): Promise<CommandOutput> {
  return checked(ctx, params, cmd, await ctx.run(cmd, { stdin: params.stdin, env: params.env, cwd: params.chdir }));
}

/** The output, or COMMAND_FAILED (host, masked command, exit code, output) for an exit code not in okExitCodes. */
function checked(ctx: ModuleContext, params: RunParams, cmd: ShellCommand, result: CommandResult): CommandOutput {
  if (!params.okExitCodes.includes(result.exitCode)) {
    throw new MeshbookError('COMMAND_FAILED', `command failed with exit code ${result.exitCode}`, {
      host: ctx.host,
      command: cmd.display,
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
    });
  }
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
}

function outputOf(facts: CommandFacts): CommandOutput {
  if (facts.result) return facts.result;
  return { stdout: '', stderr: '', exitCode: 0, skipped: facts.done ?? undefined };
}
