import { argv, defineFact, joinCommands, sh } from '@meshbook/engine';
import type { CommandResult, ShellCommand } from '@meshbook/engine';

/** A read-only command as a fact's arguments: plain words only, so the cache key holds no secret. */
export interface CommandResultArgs {
  argv: readonly string[];
  chdir?: string;
  env?: Record<string, string>;
}

/**
 * A read-only command's result (exit code included: the caller judges it), as a single-use fact:
 * the play's prefetch may run it ahead in its batch, but each result is handed to one task only,
 * so two tasks running the same command each get their own run.
 */
export const commandResult = defineFact<CommandResultArgs, CommandResult>({
  name: 'command.result',
  singleUse: true,
  command: ({ argv: words, chdir, env }) => {
    // What the transport does for `cwd` and `env`, written into the command: a batch gives each
    // command only its own subshell, so the `cd` and exports stay inside it.
    const steps: ShellCommand[] = [];
    if (chdir !== undefined) steps.push(sh`cd -- ${chdir}`);
    for (const [name, value] of Object.entries(env ?? {})) steps.push(sh`export ${name}=${value}`);
    steps.push(argv(...words));
    return joinCommands(steps, ' && ');
  },
  parse: (result) => result,
});
