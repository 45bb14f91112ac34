import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { quote } from '../../command.js';
import { MeshbookError } from '../../errors.js';

/**
 * The wire protocol of a kept shell session. Each command is written to the shell's stdin as one
 * script that runs it in a subshell (so `exit`, `cd` and `exec` stay inside it), gives it its own
 * stdin, and then prints a per-command random marker: on stdout with the exit code, and on
 * stderr alone. The marker cannot be guessed by the command, so output can never fake an end.
 */
export interface FramedCommand {
  script: string;
  marker: string;
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
  const end = `__mb_rc=$?; printf '\\n%s %d\\n' ${marker} "$__mb_rc"; printf '\\n%s\\n' ${marker} >&2`;
  let script: string;
  if (input.stdin === undefined) {
    script = `${body} </dev/null; ${end}\n`;
  } else {
    // The input goes into a quoted variable first: if the connection drops halfway, the shell sees
    // an unterminated quote and runs nothing, instead of running the command on half its input.
    const data = input.stdin.toString('base64');
    script = `__mb_in='${data}'; printf %s "$__mb_in" | base64 -d | ${body}; ${end}; unset __mb_in\n`;
  }
  return { script, marker };
}

export interface FrameResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/**
 * Splits one framed reply out of the session's stdout and stderr streams. Output before the marker
 * is streamed to `onOutput` as it arrives, holding back only what could be the start of a marker.
 */
export class FrameParser {
  readonly #stdoutEnd: Buffer;
  readonly #stderrEnd: Buffer;
  readonly #stdout: Buffer[] = [];
  readonly #stderr: Buffer[] = [];
  #stdoutTail = Buffer.alloc(0);
  #stderrTail = Buffer.alloc(0);
  #exitCode: number | undefined;
  #stderrDone = false;
  readonly #decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(
    marker: string,
    private readonly onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void,
  ) {
    this.#stdoutEnd = Buffer.from(`\n${marker} `);
    this.#stderrEnd = Buffer.from(`\n${marker}\n`);
  }

  get done(): boolean {
    return this.#exitCode !== undefined && this.#stderrDone;
  }

  pushStdout(chunk: Buffer): void {
    if (this.#exitCode !== undefined) return;
    const buffer = this.#stdoutTail.length ? Buffer.concat([this.#stdoutTail, chunk]) : chunk;
    const at = buffer.indexOf(this.#stdoutEnd);
    if (at >= 0) {
      const lineEnd = buffer.indexOf(0x0a, at + this.#stdoutEnd.length);
      if (lineEnd < 0) {
        this.#commit('stdout', buffer.subarray(0, at));
        this.#stdoutTail = Buffer.from(buffer.subarray(at));
        return;
      }
      this.#commit('stdout', buffer.subarray(0, at));
      this.#stdoutTail = Buffer.alloc(0);
      this.#exitCode = Number(buffer.subarray(at + this.#stdoutEnd.length, lineEnd).toString('latin1'));
      return;
    }
    const keep = Math.min(buffer.length, this.#stdoutEnd.length - 1);
    this.#commit('stdout', buffer.subarray(0, buffer.length - keep));
    this.#stdoutTail = Buffer.from(buffer.subarray(buffer.length - keep));
  }

  pushStderr(chunk: Buffer): void {
    if (this.#stderrDone) return;
    const buffer = this.#stderrTail.length ? Buffer.concat([this.#stderrTail, chunk]) : chunk;
    const at = buffer.indexOf(this.#stderrEnd);
    if (at >= 0) {
      this.#commit('stderr', buffer.subarray(0, at));
      this.#stderrTail = Buffer.alloc(0);
      this.#stderrDone = true;
      return;
    }
    const keep = Math.min(buffer.length, this.#stderrEnd.length - 1);
    this.#commit('stderr', buffer.subarray(0, buffer.length - keep));
    this.#stderrTail = Buffer.from(buffer.subarray(buffer.length - keep));
  }

  /** Everything received so far, markers excluded: for results, and for reports when a shell died. */
  partial(): FrameResult {
    return {
      stdout: Buffer.concat([...this.#stdout, this.#exitCode === undefined ? this.#stdoutTail : Buffer.alloc(0)]),
      stderr: Buffer.concat([...this.#stderr, this.#stderrDone ? Buffer.alloc(0) : this.#stderrTail]),
      exitCode: this.#exitCode ?? -1,
    };
  }

  result(): FrameResult {
    if (!this.done) throw new Error('frame not complete');
    return this.partial();
  }

  #commit(stream: 'stdout' | 'stderr', bytes: Buffer): void {
    if (bytes.length === 0) return;
    const copy = Buffer.from(bytes);
    (stream === 'stdout' ? this.#stdout : this.#stderr).push(copy);
    if (this.onOutput) {
      const text = this.#decoders[stream].write(copy);
      if (text) this.onOutput(text, stream);
    }
  }
}
