import { resolve } from 'node:path';
import { EventBus } from '@meshbook/engine';
import { HumanReporter } from '@meshbook/engine';
import { createJsonLinesReporter } from '@meshbook/engine';
import { createPinoLogReporter } from './reporters/pino-log.js';
import type { CliIo } from './io.js';

export interface ReportingOptions {
  json?: boolean;
  logFile?: string;
  verbose: number;
}

export interface Reporting {
  events: EventBus;
  /** Prints text that is no event (exec's per-host output) with the terminal output; nothing with --json. */
  print(text: string): void;
  /** Unsubscribes every reporter and flushes the log file. */
  close(): void;
}

/** stdout gets the terminal output or, with --json, the JSON lines; --log-file adds the pino log. */
export function startReporting(options: ReportingOptions, io: CliIo): Reporting {
  const events = new EventBus();
  const human = options.json ? undefined : new HumanReporter({ stream: io.stdout, verbosity: options.verbose, env: io.env });
  const toStdout = events.subscribe(human ? human.listener : createJsonLinesReporter(io.stdout));
  const unsubscribers: Array<() => unknown> = [toStdout, () => human?.close()];
  unsubscribers.push(
    io.stdout.onClosed(() => {
      // Nobody reads stdout any more (the run is being interrupted): the recap goes to stderr.
      toStdout();
      human?.close();
      const recap = new HumanReporter({ stream: io.stderr, verbosity: options.verbose, env: io.env });
      unsubscribers.push(
        events.subscribe((event) => {
          if (event.type === 'recap') recap.handle(event);
        }),
      );
    }),
  );
  const log = options.logFile ? createPinoLogReporter({ path: resolve(io.cwd, options.logFile), verbosity: options.verbose }) : undefined;
  if (log) unsubscribers.push(events.subscribe(log.listener));
  return {
    events,
    print: (text) => human?.print(text),
    close: () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
      log?.close();
    },
  };
}
