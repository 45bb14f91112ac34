// What a double's executable does around its own work: reads its flags (printing the usage for
// --help or a bad flag), reports a fatal error the way the real tool does, and stops on a signal.

/** A bad command line: printed with the usage, exit 1. */
export class FlagError extends Error {}

/** The parsed flags, or undefined after --help printed the usage; a FlagError prints it with the usage and exits 1. */
export function flagsOrExit<Flags>(argv: string[], parse: (argv: string[]) => Flags | 'help', usage: string): Flags | undefined {
  let flags: Flags | 'help';
  try {
    flags = parse(argv);
  } catch (error) {
    if (error instanceof FlagError) exitWithError(`${error.message}\n\n${usage}`);
    throw error;
  }
  if (flags === 'help') {
    console.log(usage);
    return undefined;
  }
  return flags;
}

export function exitWithError(message: string): never {
  console.error(`Error: ${message}`);
  process.exit(1);
}

/** On SIGTERM or SIGINT: stop (awaited when it returns a promise), then exit 0. */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => void | Promise<void>): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      const stopping = stop(signal);
      if (stopping) void stopping.then(() => process.exit(0));
      else process.exit(0);
    });
  }
}
