/** The fields of a `meshbook run --json` event line the bench scripts read (the engine's events carry more). */
export interface RunEvent {
  type: string;
  time: number;
  play?: string;
  task?: string;
  handler?: boolean;
  host?: string;
  status?: string;
  hosts?: Record<string, { changed: number; failed: number; unreachable: number; roundTrips: number }>;
}

/** A `--json` run's stdout as its events; lines that are not JSON objects are skipped. */
export function runEvents(jsonLines: string): RunEvent[] {
  return jsonLines
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as RunEvent);
}
