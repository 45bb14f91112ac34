import { sh } from '../command.js';
import type { ShellCommand, ShellValue } from '../command.js';
import { FrameParser, newMarker } from '../transport/framing.js';
import type { CommandResult } from '../transport/types.js';
import type { FactDefinition, FactRequest } from './facts.js';

/**
 * Shell text that frames one request's part of a grouped command (builtins only, nothing forked):
 * `begin` before the part, `end` right after its last command, whose exit status becomes the
 * request's exit code. The markers are fresh and random (framing.ts), so no output can fake them.
 */
export interface FactGroupSection {
  readonly begin: ShellValue;
  readonly end: ShellValue;
}

/** Requests of one grouped fact per remote command at most: bounds the command line and the script. */
export const FACT_GROUP_LIMIT = 64;

/** One command of a fact batch: a request's own command, or one grouped command for several. */
export interface PlannedCommand {
  readonly command: ShellCommand;
  /** Indexes of the requests it answers, in section order. */
  readonly members: readonly number[];
  /**
   * A grouped command's section markers, in the order its output prints them: one per member, then
   * the shared section's when the fact has `groupedResults`. Absent for a request's own command.
   */
  readonly markers?: readonly string[];
  /** The fact's `groupedResults` for these members, when it has one (its section is the last marker's). */
  readonly finish?: (parts: readonly CommandResult[], shared: CommandResult) => CommandResult[] | undefined;
}

/**
 * The commands for a batch of requests: requests of a fact that declares a grouped form, two or
 * more of them, become one command per FACT_GROUP_LIMIT (placed where the first of them was);
 * every other request keeps its own command.
 */
export function planFactBatch(requests: readonly FactRequest[]): PlannedCommand[] {
  const byFact = new Map<FactDefinition<any, any>, number[]>();
  requests.forEach((request, index) => {
    if (!request.fact.grouped) return;
    const list = byFact.get(request.fact);
    if (list) list.push(index);
    else byFact.set(request.fact, [index]);
  });
  const groupOf = new Map<number, number[]>();
  for (const indexes of byFact.values()) {
    for (let at = 0; at < indexes.length; at += FACT_GROUP_LIMIT) {
      const chunk = indexes.slice(at, at + FACT_GROUP_LIMIT);
      // A chunk of one (a lone request, or the rest of a group past the limit) keeps its own command.
      if (chunk.length < 2) continue;
      for (const index of chunk) groupOf.set(index, chunk);
    }
  }
  const planned: PlannedCommand[] = [];
  requests.forEach((request, index) => {
    const group = groupOf.get(index);
    if (!group) {
      planned.push({ command: request.fact.command(request.args), members: [index] });
      return;
    }
    if (group[0] !== index) return;
    const fact = request.fact;
    const args = group.map((i) => requests[i]!.args);
    const markers = group.map(() => newMarker('MBG'));
    if (!fact.groupedResults) {
      planned.push({ command: fact.grouped!(args, markers.map(sectionOf)), members: group, markers });
      return;
    }
    const shared = newMarker('MBG');
    const command = fact.grouped!(args, markers.map(sectionOf), sectionOf(shared));
    const finish = (parts: readonly CommandResult[], sharedResult: CommandResult) => fact.groupedResults!(args, parts, sharedResult);
    planned.push({ command, members: group, markers: [...markers, shared], finish });
  });
  return planned;
}

function sectionOf(marker: string): FactGroupSection {
  return {
    begin: sh.raw(`printf '%s begin\\n' ${marker}; printf '%s begin\\n' ${marker} >&2`),
    end: sh.raw(`__mb_gs=$?; printf '\\n%s %d\\n' ${marker} "$__mb_gs"; printf '\\n%s end\\n' ${marker} >&2`),
  };
}

/**
 * Each member's own result out of a grouped command's result: its stdout, stderr and exit code
 * exactly as its own command would have given them. Undefined when the group's output cannot be
 * split whole (cut at the output cap, a section missing because the script stopped early): the
 * members are then run on their own.
 *
 * The streams arrive decoded (UTF-8, invalid bytes replaced); the markers are ASCII lines, so
 * splitting the decoded text gives what decoding each member's bytes alone gives.
 */
export function splitGroupResult(result: CommandResult, markers: readonly string[]): CommandResult[] | undefined {
  if (result.truncated) return undefined;
  const parser = new FrameParser(markers);
  parser.pushStdout(Buffer.from(result.stdout, 'utf8'));
  parser.pushStderr(Buffer.from(result.stderr, 'utf8'));
  if (!parser.done) return undefined;
  const parts = parser.results();
  // A section whose end line carries no status (the shell died between) was not the member's own run.
  if (parts.some((part) => part.exitCode < 0)) return undefined;
  return parts.map((part) => ({ stdout: part.stdout.toString('utf8'), stderr: part.stderr.toString('utf8'), exitCode: part.exitCode, durationMs: result.durationMs }));
}

/**
 * Each member's own result out of one planned command's result: a request's own command answers its
 * one member; a group's is split (splitGroupResult), then, for a fact with a shared section,
 * completed by its `groupedResults`. Undefined when either cannot give every member exactly what its
 * own command gives: the members are then run on their own.
 */
export function resultsOfGroup(part: PlannedCommand, result: CommandResult): CommandResult[] | undefined {
  if (!part.markers) return [result];
  const split = splitGroupResult(result, part.markers);
  if (!split || !part.finish) return split;
  const shared = split.pop()!;
  try {
    return part.finish(split, shared);
  } catch {
    return undefined;
  }
}
