import type { EventListener, MeshbookEvent } from '../events/types.js';
import { redactDeep } from '../secret.js';
import type { OutputStream } from './stream.js';

/**
 * `--json`: one MeshbookEvent per line, exactly as the engine emitted it (see `MeshbookEvent` in
 * events/types.ts for the schema). Every line is a JSON object with a `type` discriminator and a
 * `time` in milliseconds since the epoch:
 *
 *   run.start       {playbook, check, diff, hosts}
 *   play.start      {play, hosts, batch?: {index, of}}
 *   task.start      {play, task, handler, hosts}
 *   host.result     {play, task, host, status: ok|changed|failed|skipped|unreachable, handler,
 *                    item?, loop?: {index, of}, changes: [{kind, target, summary}], diff?, knownAfterApply?, ignored?,
 *                    attempt?: {number, of}, rescue?, message?, error?: {code, message, hint?}, durationMs}
 *   host.retry      {play, task, host, handler, item?, loop?, attempt: {number, of}, status, message?, error?,
 *                    delaySeconds, durationMs}
 *   host.progress   {play, task, host, line}
 *   block.start     {play, block, hosts}   a block's tasks start on these hosts
 *   block.rescue    {play, block, hosts}   its rescue starts on the hosts that failed in it
 *   block.always    {play, block, hosts}   its always starts on these hosts
 *   handler.notified {play, handler, host, check}
 *   play.end        {play, durationMs}
 *   warning         {message, host?}
 *   host.reconnect  {host, reason}
 *   host.debug      {host, message}
 *   recap           {hosts: {[host]: {ok, changed, failed, skipped, unreachable, ignored, rescued, roundTrips}},
 *                    durationMs, interrupted?, unknownState?}
 *   run.end         {outcome: ok|host-failed|unreachable|interrupted|internal-error, durationMs}
 *
 * The engine redacts events before emitting them; they are redacted again here so that no path
 * to stdout depends on a single check.
 */
export function createJsonLinesReporter(stream: OutputStream): EventListener {
  return (event: MeshbookEvent) => {
    stream.write(`${JSON.stringify(redactDeep(event))}\n`);
  };
}

export type { MeshbookEvent };
