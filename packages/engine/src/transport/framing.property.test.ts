import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser } from './framing.js';

/**
 * The framing parser against random wire traffic (issue 19): several commands framed in one
 * stream pair, background output before each command's start line and after the last end line,
 * command output full of marker look-alikes (other markers, cut-off copies of the real ones,
 * fake end lines), every stream cut into random chunks and the two streams interleaved at random.
 * Every command's output lands with that command, byte for byte, and all background output is
 * dropped as stray, byte for byte.
 */

const HEX = '0123456789abcdef';
const marker = fc.string({ unit: fc.constantFrom(...HEX), minLength: 24, maxLength: 24 }).map((hex) => `__MB_${hex}__`);

interface Frame {
  marker: string;
  strayOut: string;
  strayErr: string;
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Text built from pieces that look like the protocol: what a parser could be fooled by. */
function noisyText(markers: readonly string[]): fc.Arbitrary<string> {
  const lookalike = fc.oneof(
    // Other markers, in every line shape the protocol uses.
    marker.chain((m) => fc.constantFrom(`${m} begin\n`, `\n${m} 0\n`, `\n${m} end\n`, m)),
    // A real marker cut short, alone or in the shape of a start or end line (never whole: it is unguessable).
    fc.tuple(fc.constantFrom(...markers), fc.nat()).chain(([m, n]) => {
      const cut = m.slice(0, n % m.length);
      return fc.constantFrom(cut, `\n${cut}`, `${cut} begin\n`, `\n${cut} 0\n`, `\n${cut} end\n`);
    }),
  );
  const plain = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '_', 'M', 'B', '0', 'é', '\u001b'), maxLength: 12 });
  // Pieces may join into a whole real marker by chance: a command cannot print one (it is random per
  // command), so such text is left out.
  return fc
    .array(fc.oneof(plain, lookalike), { maxLength: 6 })
    .map((parts) => parts.join(''))
    .filter((text) => !markers.some((m) => text.includes(m)));
}

const frames: fc.Arbitrary<Frame[]> = fc.uniqueArray(marker, { minLength: 1, maxLength: 4 }).chain((markers) =>
  fc.tuple(
    ...markers.map((m) =>
      fc.record({
        marker: fc.constant(m),
        strayOut: noisyText(markers),
        strayErr: noisyText(markers),
        stdout: noisyText(markers),
        stderr: noisyText(markers),
        exitCode: fc.integer({ min: 0, max: 255 }),
      }),
    ),
  ),
);

function wire(list: Frame[], trailingOut: string, trailingErr: string): { stdout: Buffer; stderr: Buffer } {
  const stdout = list.map((f) => `${f.strayOut}${f.marker} begin\n${f.stdout}\n${f.marker} ${f.exitCode}\n`).join('') + trailingOut;
  const stderr = list.map((f) => `${f.strayErr}${f.marker} begin\n${f.stderr}\n${f.marker} end\n`).join('') + trailingErr;
  return { stdout: Buffer.from(stdout), stderr: Buffer.from(stderr) };
}

/** Cuts a buffer at the given (sorted, deduplicated) offsets. */
function cut(buffer: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (buffer.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const at of [...points, buffer.length]) {
    if (at > from) chunks.push(buffer.subarray(from, at));
    from = Math.max(from, at);
  }
  return chunks;
}

describe('FrameParser, property-based', () => {
  it('every output lands with its own command, whatever the interleaving, chunking and look-alikes', () => {
    fc.assert(
      fc.property(
        frames,
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.boolean(), { maxLength: 80 }),
        (list, trailingOut, trailingErr, outCuts, errCuts, order) => {
          const { stdout, stderr } = wire(list, trailingOut, trailingErr);
          const stray = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
          const output = { stdout: [] as string[], stderr: [] as string[] };
          const parser = new FrameParser(
            list.map((f) => f.marker),
            { onStray: (bytes, stream) => stray[stream].push(bytes), onOutput: (text, stream) => output[stream].push(text) },
          );
          const outChunks = cut(stdout, outCuts);
          const errChunks = cut(stderr, errCuts);
          let turn = 0;
          while (outChunks.length > 0 || errChunks.length > 0) {
            const takeOut = errChunks.length === 0 || (outChunks.length > 0 && (order[turn++ % Math.max(order.length, 1)] ?? true));
            if (takeOut) parser.pushStdout(outChunks.shift()!);
            else parser.pushStderr(errChunks.shift()!);
          }
          expect(parser.done).toBe(true);
          const results = parser.results();
          list.forEach((frame, i) => {
            expect(results[i]!.stdout.toString()).toBe(frame.stdout);
            expect(results[i]!.stderr.toString()).toBe(frame.stderr);
            expect(results[i]!.exitCode).toBe(frame.exitCode);
          });
          expect(Buffer.concat(stray.stdout).toString()).toBe(list.map((f) => f.strayOut).join('') + trailingOut);
          expect(Buffer.concat(stray.stderr).toString()).toBe(list.map((f) => f.strayErr).join('') + trailingErr);
          // Streamed output is the commands' own output, none of the stray.
          expect(output.stdout.join('')).toBe(list.map((f) => f.stdout).join(''));
          expect(output.stderr.join('')).toBe(list.map((f) => f.stderr).join(''));
        },
      ),
      { numRuns: 1000 },
    );
    // A thousand CPU-bound cases: their wall time grows with the machine's load (a full unit run
    // shares the cores with its other files). Nothing is timed: the timeout only ends a hang.
  }, 300_000);
});
