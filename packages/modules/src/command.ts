import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, Secret, argv as argvCommand, defineModule } from '@meshbook/engine';
import type { Change, CommandResult, FactsOf, ModuleContext } from '@meshbook/engine';
import { commandResult } from './lib/command-result.js';
import { absolutePath } from './lib/file-attributes.js';
import { fileState } from './lib/file-facts.js';
import { runWithProgress } from './lib/progress.js';

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

/** The params command and shell share, as written (an interface, so editors show each field's documentation). */
export interface RunInput {
  /** Skip when this path exists (the command's product is there). */
  creates?: string | undefined;
  /** Skip when this path does not exist (nothing left to remove). */
  removes?: string | undefined;
  /** The working directory (absolute); default: where the connection's shell starts (over SSH, the user's home). */
  chdir?: string | undefined;
  /** Environment variables added for this command. */
  env?: Record<string, string> | undefined;
  /** Given on stdin, never on the command line; a Secret stays masked everywhere. */
  stdin?: string | Secret | undefined;
  /**
   * A read-only check: runs in gather (also in check mode) and never reports a change. Its result
   * is a single-use fact: the play may run it ahead with the other checks, in one round trip, but
   * each task gets a run of its own (two identical commands are two runs), and after a change on
   * the host (or any host of the batch) the command runs again at its task. It runs at its task
   * anyway with `creates`/`removes` (asked only after that check), a task `timeoutMs`, stdin, or
   * a Secret in argv. Default false.
   */
  readOnly?: boolean | undefined;
  /** Exit codes that count as success. Default [0]. */
  okExitCodes?: number[] | undefined;
}

/** The command task's params as written. */
export interface CommandInput extends RunInput {
  /** Program and arguments: each word quoted, nothing interpreted by a shell. */
  argv: Array<string | Secret>;
}

/** The shell task's params as written. */
export interface ShellInput extends RunInput {
  /** Shell text, run with sh -c: pipes, redirections and expansions are meant. */
  cmd: string;
}

// Shared by command and shell.
const runShape = {
  creates: absolutePath.optional(),
  removes: absolutePath.optional(),
  chdir: absolutePath.optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()).optional(),
  stdin: z.union([z.string(), z.instanceof(Secret)]).optional(),
  readOnly: z.boolean().default(false),
  okExitCodes: z.array(z.number().int().min(0).max(255)).min(1).default([0]),
};

const commandParamsSchema = z.strictObject({
  argv: z.array(z.union([z.string(), z.instanceof(Secret)])).min(1, 'at least the program name'),
  ...runShape,
});

const shellParamsSchema = z.strictObject({
  cmd: z.string().min(1),
  ...runShape,
});
const commandParams: DocumentedParams<typeof commandParamsSchema, CommandInput> = commandParamsSchema;
const shellParams: DocumentedParams<typeof shellParamsSchema, ShellInput> = shellParamsSchema;

type RunParams = z.output<z.ZodObject<typeof runShape>>;

type Words = ReadonlyArray<string | Secret>;

/** What runs: the words (Secrets stay Secrets, so the change record never holds their text) and how it is started. */
export interface RunPayload {
  words: Words;
  stdin: string | Secret | undefined;
  env: Record<string, string> | undefined;
  chdir: string | undefined;
}

export type CommandChange = Change<'command.run' | 'shell.run', RunPayload>;

/** A program run with its arguments as given (no shell). */
export const command = defineModule({
  name: 'command',
  params: commandParams,
  facts: (params) => declaredRunFacts(params, params.argv),
  gather: (ctx, params, facts) => gatherRun(ctx, params, params.argv, facts),
  plan: (facts, params): CommandChange[] => planRun('command', facts, params, params.argv),
  apply: (ctx, changes, params) => execute(ctx, params, changes[0]!.payload),
  output: (facts) => outputOf(facts),
});

/** Shell text run through `sh -c`, for when pipes or expansions are wanted. */
export const shell = defineModule({
  name: 'shell',
  params: shellParams,
  facts: (params) => declaredRunFacts(params, shellArgv(params.cmd)),
  gather: (ctx, params, facts) => gatherRun(ctx, params, shellArgv(params.cmd), facts),
  plan: (facts, params): CommandChange[] => planRun('shell', facts, params, shellArgv(params.cmd)),
  apply: (ctx, changes, params) => execute(ctx, params, changes[0]!.payload),
  output: (facts) => outputOf(facts),
});

// Its own sh process: `exit`, `cd` or `set` in the text cannot touch the transport's kept session.
function shellArgv(cmd: string): Words {
  return ['sh', '-c', cmd];
}

/**
 * The creates/removes paths, and a read-only command's run itself as a single-use fact (so the
 * play's prefetch batches it). Not so with a Secret in argv (the fact's cache key and the batch's
 * display would hold or hide it), with stdin (a batch gives each command /dev/null), or after a
 * creates/removes check: those run in gather, at their task's time.
 */
function declaredRunFacts(params: RunParams, words: Words) {
  const guarded = params.creates !== undefined || params.removes !== undefined;
  const plain = words.filter((w): w is string => typeof w === 'string');
  const batchable = params.readOnly && !guarded && plain.length === words.length && params.stdin === undefined;
  return {
    creates: params.creates !== undefined ? fileState(params.creates, 0) : null,
    removes: params.removes !== undefined ? fileState(params.removes, 0) : null,
    run: batchable ? commandResult({ argv: plain, chdir: params.chdir, env: params.env }) : null,
  };
}

type DeclaredRunFacts = FactsOf<ReturnType<typeof declaredRunFacts>>;

async function gatherRun(ctx: ModuleContext, params: RunParams, words: Words, facts: DeclaredRunFacts): Promise<CommandFacts> {
  const present = (s: { exists: boolean; isLink: boolean } | null) => s !== null && (s.exists || s.isLink);
  let done: string | null = null;
  if (params.creates !== undefined && present(facts.creates)) done = `${params.creates} exists`;
  else if (params.removes !== undefined && !present(facts.removes)) done = `${params.removes} does not exist`;
  if (!params.readOnly || done !== null) return { done, result: null };
  const payload = runPayload(params, words);
  const result = facts.run ? checked(ctx, params, payload, facts.run) : await execute(ctx, params, payload);
  return { done, result };
}

function runPayload(params: RunParams, words: Words): RunPayload {
  return { words, stdin: params.stdin, env: params.env, chdir: params.chdir };
}

function planRun(module: 'command' | 'shell', facts: CommandFacts, params: RunParams, words: Words): CommandChange[] {
  if (params.readOnly || facts.done !== null) return [];
  const where = params.chdir ? ` (in ${params.chdir})` : '';
  const cmd = argvCommand(...words);
  return [{ kind: `${module}.run`, target: cmd.display, summary: `run ${cmd.display}${where}`, payload: runPayload(params, words) }];
}

async function execute(ctx: ModuleContext, params: RunParams, run: RunPayload): Promise<CommandOutput> {
  return checked(ctx, params, run, await runWithProgress(ctx, argvCommand(...run.words), { stdin: run.stdin, env: run.env, cwd: run.chdir }));
}

/** The output, or COMMAND_FAILED (host, masked command, exit code, output) for an exit code not in okExitCodes. */
function checked(ctx: ModuleContext, params: RunParams, run: RunPayload, result: CommandResult): CommandOutput {
  if (!params.okExitCodes.includes(result.exitCode)) {
    throw new MeshbookError('COMMAND_FAILED', `command failed with exit code ${result.exitCode}`, {
      host: ctx.host,
      command: argvCommand(...run.words).display,
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
