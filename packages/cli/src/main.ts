import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { redact } from '@meshbook/engine';
import { registerExecCommand } from './commands/exec.js';
import { registerFactsCommand } from './commands/facts.js';
import { registerInventoryCommand } from './commands/inventory.js';
import { registerLabCommand } from './commands/lab.js';
import { registerRunCommand } from './commands/run.js';
import type { RegisterCommand } from './commands/context.js';
import { reportFatalError } from './errors.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { resolveIo } from './io.js';
import type { CliIo, CliIoOptions } from './io.js';

/** Subcommands, one file each under cli/commands/. */
const COMMANDS: readonly RegisterCommand[] = [registerRunCommand, registerExecCommand, registerInventoryCommand, registerFactsCommand, registerLabCommand];


/**
 * The `meshbook` command line. Returns the exit code and never calls process.exit, so tests and
 * other programs can call it in-process with their own streams.
 */
export async function main(argv: readonly string[], io: Partial<CliIoOptions> = {}): Promise<number> {
  const cli = resolveIo(io);
  let exitCode: number = EXIT.OK;
  const program = createProgram(cli, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
    return reportFatalError(error, cli.stderr);
  }
}

function createProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('meshbook');
  // Settings before subcommands: commander copies them into each subcommand when it is created.
  program
    .description('agentless, idempotent playbooks in TypeScript')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(redact(text)),
    })
    .addHelpText('after', EXIT_CODES_HELP);
  for (const register of COMMANDS) register(program, { io, setExitCode });
  return program;
}

function packageVersion(): string {
  try {
    // By name, not by path: this code runs from dist/ and from dist/bundle/.
    const pkg = createRequire(import.meta.url)('@meshbook/cli/package.json') as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
