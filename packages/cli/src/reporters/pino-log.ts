import { createRequire } from 'node:module';
import type pinoModule from 'pino';
import type { Level } from 'pino';
import type { EventListener, MeshbookEvent } from '@meshbook/engine';
import { redact, redactDeep } from '@meshbook/engine';

export interface PinoLogReporterOptions {
  /** File the log is written to (created with its directory; appended to). */
  path: string;
  /** 0: info and above; 1 or more: debug (progress lines, handler notifications) too. */
  verbosity?: number;
}

export interface PinoLogReporter {
  listener: EventListener;
  /** Flushes and closes the file; call before the process exits. */
  close(): void;
}

/** failed → error, unreachable and warnings → warn, chatty events → debug, the rest → info. */
export function levelOf(event: MeshbookEvent): Level {
  switch (event.type) {
    case 'host.result':
      if (event.status === 'failed' && !event.ignored) return 'error';
      if (event.status === 'unreachable') return 'warn';
      return 'info';
    case 'warning':
    case 'host.reconnect':
      return 'warn';
    case 'host.progress':
    case 'host.debug':
    case 'handler.notified':
    case 'task.start':
      return 'debug';
    case 'run.end':
      return event.outcome === 'ok' ? 'info' : 'error';
    default:
      return 'info';
  }
}

/**
 * `--log-file PATH`: every event as one pino JSON line, `{level, time, msg: <event type>, event}`.
 * Events are redacted before logging and the serialized line is scrubbed again on its way to the
 * file, so a secret's text never reaches the disk. The destination is synchronous, so the file is
 * complete whenever the process exits.
 */
export function createPinoLogReporter(options: PinoLogReporterOptions): PinoLogReporter {
  // Loaded only for --log-file: ~25 ms of every run's start otherwise.
  const pino = createRequire(import.meta.url)('pino') as typeof pinoModule;
  const destination = pino.destination({ dest: options.path, sync: true, mkdir: true, append: true });
  const logger = pino(
    {
      level: (options.verbosity ?? 0) > 0 ? 'debug' : 'info',
      base: { name: 'meshbook' },
      hooks: { streamWrite: (line: string) => redact(line) },
    },
    destination,
  );
  let closed = false;
  return {
    listener: (event) => {
      if (closed) return;
      logger[levelOf(event)]({ event: redactDeep(event) }, event.type);
    },
    close: () => {
      if (closed) return;
      closed = true;
      destination.flushSync();
      destination.end();
    },
  };
}
