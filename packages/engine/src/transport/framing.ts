import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { quote } from '../command.js';
import type { ShellCommand } from '../command.js';
import { MeshbookError } from '../errors.js';
import type { CommandResult } from './types.js';

/**
 * The one wire protocol for commands fed to a `/bin/sh`: a kept SSH shell session, a batch of
 * fact commands, the `meshbook facts` probe. Each command is written as one script that prints a
 * fresh random marker's start line on stdout and on stderr, runs the command in a subshell (so
 * `exit`, `cd` and `exec` stay inside it) with its own stdin, and then prints the marker's end
 * line: on stdout with the exit code, on stderr with `end`. The marker cannot be guessed by the
 * command, so output can never fake a boundary.
 *
 * What arrives on a stream before a command's own start line is not the command's: it is output
 * of something an earlier command left running (`nohup daemon &`, a postinst's service holding
 * stdout) and is dropped as stray. A background process writing while a command runs cannot be
 * told apart from the command: that output lands with the command.
 */
export interface FramedCommand {
  script: string;
  marker: string;
  /**
   * The script in its three parts (`script` is `${begin}; ${run}; ${end}\n`), so that a kept
   * shell can put its own steps between them (its kill watcher: kill-tree.ts). `run` leaves the
   * command's exit status in `__mb_rc`, which `end` prints.
   */
  parts: { begin: string; run: string; end: string };
}

export interface FrameInput {
  /** Shell text, already built with `sh` quoting. */
  command: string;
  cwd?: string | undefined;
  env?: Record<string, string> | undefined;
  /** Bytes for the command's stdin; without them it reads /dev/null, never the session's stdin. */
  stdin?: Buffer | undefined;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function newMarker(prefix = 'MB'): string {
  return `__${prefix}_${randomBytes(12).toString('hex')}__`;
}

export function frameCommand(input: FrameInput): FramedCommand {
  const marker = newMarker();
  const steps: string[] = [];
  if (input.cwd !== undefined) steps.push(`cd -- ${quote(input.cwd)}`);
  for (const [name, value] of Object.entries(input.env ?? {})) {
    if (!ENV_NAME.test(name)) throw new MeshbookError('BAD_INPUT', `invalid environment variable name ${JSON.stringify(name)}`);
    steps.push(`export ${name}=${quote(value)}`);
  }
  // The command text goes in as it is, on lines of its own inside a brace group: it may span lines,
  // hold heredocs or end in a comment. (`eval` of the quoted text would do the same but costs dash
  // an extra fork for every forked command: ~1 ms measured.) A syntax error in it ends the session
  // shell, which the session reports like any shell that went away.
  steps.push(`{\n${input.command}\n}`);
  // `9<&-`: the host lock is the kept shell's fd 9 (host-lock.ts); nothing a command starts (a
  // daemon, a stray `sleep &`) may hold it past the run.
  const body = `( ${steps.join(' && ')} ) 9<&-`;
  // Builtins only: the framing forks nothing.
  const begin = `printf '%s begin\\n' ${marker}; printf '%s begin\\n' ${marker} >&2`;
  const end = `printf '\\n%s %d\\n' ${marker} "$__mb_rc"; printf '\\n%s end\\n' ${marker} >&2`;
  let parts: FramedCommand['parts'];
  if (input.stdin === undefined) {
    parts = { begin, run: `${body} </dev/null; __mb_rc=$?`, end };
  } else {
    // The input goes into a quoted variable first: if the connection drops halfway, the shell sees
    // an unterminated quote and runs nothing, instead of running the command on half its input.
    const data = input.stdin.toString('base64');
    parts = { begin: `__mb_in='${data}'; ${begin}`, run: `printf %s "$__mb_in" | base64 -d | ${body}; __mb_rc=$?`, end: `${end}; unset __mb_in` };
  }
  return { script: `${parts.begin}; ${parts.run}; ${parts.end}\n`, marker, parts };
}

/**
 * `frame`, then a trailer's read-only commands (CommandTrailer), written together: each trailer
 * command runs only when `frame`'s command exited 0 (else it exits 125 without running).
 */
export function framesWithTrailer(frame: FramedCommand, trailer: readonly ShellCommand[]): FramedCommand[] {
  const end = `__mb_gate=$__mb_rc; ${frame.parts.end}`;
  const gated: FramedCommand = { ...frame, parts: { ...frame.parts, end }, script: `${frame.parts.begin}; ${frame.parts.run}; ${end}\n` };
  return [gated, ...trailer.map((c) => frameCommand({ command: `[ "$__mb_gate" = 0 ] || exit 125\n${c.text}` }))];
}

export interface FrameResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
  /** Bytes past the output cap, counted and dropped, per stream. */
  dropped: { stdout: number; stderr: number };
}

/** What one command's stream keeps by default (RunOptions.maxOutputBytes): the rest is counted and dropped. */
export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

export type StreamName = 'stdout' | 'stderr';

export interface FrameParserOptions {
  /** Output of the command being run, as it arrives (never stray output). */
  onOutput?: ((chunk: string, stream: StreamName) => void) | undefined;
  /** Output that belongs to no command: before a command's start line, or after the last end line. */
  onStray?: ((bytes: Buffer, stream: StreamName) => void) | undefined;
  /** Bytes kept per command and stream (default DEFAULT_MAX_OUTPUT_BYTES): memory stays bounded whatever a host sends. */
  maxBytes?: number | undefined;
}

/**
 * One command's share of one stream: bytes before its start line are stray, then its output up
 * to its end line, whose trailer (the exit code, or `end`) is kept. Holds back only what could be
 * the start of a marker line.
 */
class StreamFrame {
  readonly #startLine: Buffer;
  readonly #endPrefix: Buffer;
  #state: 'before' | 'inside' | 'done' = 'before';
  #tail = Buffer.alloc(0);
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #dropped = 0;
  #trailer: string | undefined;

  constructor(
    marker: string,
    private readonly maxBytes: number,
    private readonly onData: (bytes: Buffer) => void,
    private readonly onStray: (bytes: Buffer) => void,
  ) {
    this.#startLine = Buffer.from(`${marker} begin\n`);
    this.#endPrefix = Buffer.from(`\n${marker} `);
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  get trailer(): string | undefined {
    return this.#trailer;
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** What the command wrote so far (a possible marker start held back included, until the end). */
  output(): Buffer {
    return Buffer.concat(this.#state === 'inside' ? [...this.#chunks, this.#tail] : this.#chunks);
  }

  /** Takes a chunk; returns what of it lies after this frame's end line (the next frame's). */
  push(chunk: Buffer): Buffer {
    if (this.#state === 'done') return chunk;
    let buffer = this.#tail.length ? Buffer.concat([this.#tail, chunk]) : chunk;
    this.#tail = Buffer.alloc(0);
    if (this.#state === 'before') {
      const at = buffer.indexOf(this.#startLine);
      if (at < 0) {
        const keep = Math.min(buffer.length, this.#startLine.length - 1);
        this.#emitStray(buffer.subarray(0, buffer.length - keep));
        this.#tail = Buffer.from(buffer.subarray(buffer.length - keep));
        return Buffer.alloc(0);
      }
      this.#emitStray(buffer.subarray(0, at));
      buffer = buffer.subarray(at + this.#startLine.length);
      this.#state = 'inside';
    }
    const at = buffer.indexOf(this.#endPrefix);
    if (at >= 0) {
      const lineEnd = buffer.indexOf(0x0a, at + this.#endPrefix.length);
      this.#keep(buffer.subarray(0, at));
      if (lineEnd < 0) {
        this.#tail = Buffer.from(buffer.subarray(at));
        return Buffer.alloc(0);
      }
      this.#trailer = buffer.subarray(at + this.#endPrefix.length, lineEnd).toString('latin1');
      this.#state = 'done';
      return buffer.subarray(lineEnd + 1);
    }
    const keep = Math.min(buffer.length, this.#endPrefix.length - 1);
    this.#keep(buffer.subarray(0, buffer.length - keep));
    this.#tail = Buffer.from(buffer.subarray(buffer.length - keep));
    return Buffer.alloc(0);
  }

  #keep(all: Buffer): void {
    const room = Math.max(0, this.maxBytes - this.#kept);
    const bytes = all.length > room ? all.subarray(0, room) : all;
    this.#dropped += all.length - bytes.length;
    if (bytes.length === 0) return;
    this.#kept += bytes.length;
    const copy = Buffer.from(bytes);
    this.#chunks.push(copy);
    this.onData(copy);
  }

  #emitStray(bytes: Buffer): void {
    if (bytes.length > 0) this.onStray(Buffer.from(bytes));
  }
}

/**
 * Splits the replies of one or more framed commands, written in this order, out of the shell's
 * stdout and stderr streams. Each stream is followed on its own: a command's stderr may still be
 * arriving while the next one's stdout already is.
 */
export class FrameParser {
  readonly #frames: Array<{ stdout: StreamFrame; stderr: StreamFrame }>;
  readonly #at = { stdout: 0, stderr: 0 };
  readonly #onStray: FrameParserOptions['onStray'];

  constructor(markers: string | readonly string[], options: FrameParserOptions = {}) {
    this.#onStray = options.onStray;
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    const frame = (marker: string, stream: StreamName) =>
      new StreamFrame(
        marker,
        options.maxBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
        (bytes) => {
          const text = options.onOutput ? decoders[stream].write(bytes) : '';
          if (text) options.onOutput!(text, stream);
        },
        (bytes) => this.#onStray?.(bytes, stream),
      );
    this.#frames = (typeof markers === 'string' ? [markers] : markers).map((marker) => ({ stdout: frame(marker, 'stdout'), stderr: frame(marker, 'stderr') }));
  }

  get done(): boolean {
    return this.#at.stdout === this.#frames.length && this.#at.stderr === this.#frames.length;
  }

  /** How many commands have finished (both streams ended). */
  get finished(): number {
    return Math.min(this.#at.stdout, this.#at.stderr);
  }

  pushStdout(chunk: Buffer): void {
    this.#push('stdout', chunk);
  }

  pushStderr(chunk: Buffer): void {
    this.#push('stderr', chunk);
  }

  #push(stream: StreamName, chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0) {
      const frame = this.#frames[this.#at[stream]];
      if (!frame) {
        this.#onStray?.(Buffer.from(rest), stream);
        return;
      }
      rest = frame[stream].push(rest);
      if (frame[stream].done) this.#at[stream]++;
    }
  }

  /** Every command's result; only once all are done. */
  results(): FrameResult[] {
    if (!this.done) throw new Error('frames not complete');
    return this.#frames.map((f) => resultOf(f));
  }

  /** The results of the commands that have finished, in order (the rest may never finish). */
  finishedResults(): FrameResult[] {
    return this.#frames.slice(0, this.finished).map((f) => resultOf(f));
  }

  /** The one command's result, for a parser of one command. */
  result(): FrameResult {
    const [first] = this.results();
    return first!;
  }

  /** What the first unfinished command received so far: for reports when a shell died or timed out. */
  partial(): FrameResult {
    const frame = this.#frames[this.finished] ?? this.#frames[this.#frames.length - 1]!;
    return resultOf(frame);
  }
}

/** A frame's result as a command result; output past the cap is said in `truncated` and at the end of stderr. */
export function commandResultOf(result: FrameResult, durationMs: number, maxBytes = DEFAULT_MAX_OUTPUT_BYTES): CommandResult {
  const out: CommandResult = { stdout: result.stdout.toString('utf8'), stderr: result.stderr.toString('utf8'), exitCode: result.exitCode, durationMs };
  const { stdout, stderr } = result.dropped;
  if (stdout > 0 || stderr > 0) {
    out.truncated = { stdout, stderr };
    const what = [stdout > 0 ? `${stdout} bytes of stdout` : '', stderr > 0 ? `${stderr} bytes of stderr` : ''].filter(Boolean).join(' and ');
    out.stderr += `${out.stderr === '' || out.stderr.endsWith('\n') ? '' : '\n'}[meshbook: output past ${maxBytes} bytes per stream was dropped: ${what}]\n`;
  }
  return out;
}

function resultOf(frame: { stdout: StreamFrame; stderr: StreamFrame }): FrameResult {
  const code = frame.stdout.trailer === undefined ? Number.NaN : Number(frame.stdout.trailer);
  return {
    stdout: frame.stdout.output(),
    stderr: frame.stderr.output(),
    exitCode: Number.isInteger(code) ? code : -1,
    dropped: { stdout: frame.stdout.dropped, stderr: frame.stderr.dropped },
  };
}
