import type { Command } from 'commander';
import type { CliIo } from '../io.js';

/** What every subcommand gets: the injected IO and a way to hand its exit code back to `main`. */
export interface CommandContext {
  io: CliIo;
  setExitCode(code: number): void;
}

/** Adds one subcommand to the program; one file per command under cli/commands/. */
export type RegisterCommand = (program: Command, context: CommandContext) => void;
