import type { Client, ClientChannel } from 'ssh2';
import { quote } from '../../command.js';
import type { Secret } from '../../secret.js';
import { FrameParser, newMarker, type FrameResult, type FramedCommand, type StreamName } from '../framing.js';
import { KILL_REQUEST, newCommandTag, watchedScript } from './kill-tree.js';

/** Byte and round-trip accounting, kept by the transport. */
export interface SessionCounters {
  roundTrip(): void;
  bytesUp(count: number): void;
  bytesDown(count: number): void;
  /** Output that belongs to no command (framing.ts): dropped, handed here to be counted and shown. */
  strayOutput(bytes: Buffer, stream: StreamName): void;
}

/** The shell ended (exit, exec, a signal, a dropped connection) while a command was running. */
export class SessionEndedError extends Error {
  constructor(
    readonly partial: FrameResult,
    readonly exitCode: number | undefined,
    readonly signal: string | undefined,
    /** Commands of the batch that had finished before the shell ended. */
    readonly finished = 0,
    /** Their results. */
    readonly completed: readonly FrameResult[] = [],
  ) {
    super(`the remote shell ended${exitCode !== undefined ? ` with exit code ${exitCode}` : ''}${signal ? ` by signal ${signal}` : ''}`);
  }
}

/** Why a session could not start; sudo.ts turns these into BECOME_FAILED messages. 'channel': the server refused the channel. */
export class SessionStartError extends Error {
  constructor(
    /** 'timeout': the shell was not ready within openTimeoutMs; 'prelude-timeout': it started, but its prelude outran preludeTimeoutMs. */
    readonly reason: 'password-required' | 'password-rejected' | 'exited' | 'channel' | 'timeout' | 'prelude-timeout',
    readonly stderr: string,
    readonly exitCode: number | undefined,
    cause?: unknown,
  ) {
    super(`shell session did not start (${reason})${stderr.trim() ? `: ${stderr.trim()}` : ''}`, cause === undefined ? undefined : { cause });
  }
}

export interface SessionStart {
  /** Pool key: 'plain' or '<method>:<user>' ('sudo:root', 'su:postgres'). */
  key: string;
  /**
   * Command that ends up running `/bin/sh`, given as a prefix the bootstrap is appended to
   * (`sudo -S -p ... -u root --`), or '' for the login user's own shell.
   */
  prefix: string;
  /**
   * Instead of `prefix`: the whole command, built around the shell command that runs the bootstrap
   * (su and doas take the shell command as one argument, not as trailing words).
   */
  wrap?: (shellCommand: string) => string;
  /** A prompt to answer once on stdin (sudo's random password prompt, su's and doas's own). */
  prompt?: { text: string | RegExp; answer: Secret | undefined };
  /** Shell text the bootstrap runs first, in the kept shell itself (the host lock); its output is the session's `preamble`. */
  prelude?: string;
  /** What the bootstrap execs after its ready line (shell text); default `/bin/sh`, the kept shell. The host lock's holder runs its lease loop instead. */
  program?: string;
  counters: SessionCounters;
  /**
   * How long the shell may take to say it is ready. Past it the channel is closed: a sudo waiting
   * for an answer meshbook does not have (an OTP or other PAM prompt, an expired password) would
   * otherwise hold the run until sudo's own timeout, or forever.
   */
  openTimeoutMs?: number;
  /**
   * How long the prelude may run once the shell has started (the host lock's wait, bounded by
   * --lock-timeout). With it, openTimeoutMs covers only reaching the shell: the bootstrap says
   * when it started, and the prelude's own wait gets this bound instead.
   */
  preludeTimeoutMs?: number;
}

/** Default SessionStart.openTimeoutMs. */
export const DEFAULT_SESSION_OPEN_TIMEOUT_MS = 20_000;

/**
 * What a session's channel runs: the prelude if any, a ready line with the shell's pid and /proc
 * stat line (for its process group), then the kept shell, exec'd through the prefix the prelude
 * may leave in `__mb_exec`. Without a prelude, everything is a builtin: no extra process.
 */
export function sessionBootstrap(ready: string, prelude?: string, program = '/bin/sh', started?: string): string {
  const readyLine = `read -r s </proc/$$/stat 2>/dev/null; printf '%s %s %s\\n' ${ready} "$$" "$s"`;
  if (prelude === undefined) return `${readyLine}; exec ${program}`;
  const startedLine = started === undefined ? '' : `printf '%s\\n' ${started}\n`;
  return `${startedLine}__mb_exec=\n${prelude}\n${readyLine}; exec $__mb_exec ${program}`;
}

/**
 * One kept `/bin/sh` on its own exec channel, no pty. It runs one framed command at a time; the
 * pool hands it to one caller at a time. Each command runs with a watcher that kills it, its
 * daemons and the shell on one newline from the controller (kill-tree.ts); the shell is replaced
 * afterwards.
 */
export class ShellSession {
  #current: { parser: FrameParser; tag: string; resolve: (r: FrameResult[]) => void; reject: (e: Error) => void } | undefined;
  /** Whether this shell has the kill function (kill-tree.ts) defined: sent with its first script. */
  #killDefined = false;
  #exitCode: number | undefined;
  #signal: string | undefined;
  #alive = true;
  #closing = false;
  readonly #closeListeners: Array<() => void> = [];

  private constructor(
    readonly key: string,
    readonly pid: number | undefined,
    /** Process group of the shell: killing it kills the shell and whatever the command started. */
    readonly processGroup: number | undefined,
    /** What the bootstrap's prelude printed before the ready line ('' without a prelude). */
    readonly preamble: string,
    private readonly channel: ClientChannel,
    private readonly counters: SessionCounters,
  ) {
    channel.on('data', (chunk: Buffer) => {
      counters.bytesDown(chunk.length);
      if (this.#current) this.#current.parser.pushStdout(chunk);
      else counters.strayOutput(chunk, 'stdout');
      this.#settleIfDone();
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      counters.bytesDown(chunk.length);
      if (this.#current) this.#current.parser.pushStderr(chunk);
      else counters.strayOutput(chunk, 'stderr');
      this.#settleIfDone();
    });
    channel.on('exit', (code: number | null, signal?: string) => {
      if (typeof code === 'number') this.#exitCode = code;
      if (signal) this.#signal = signal;
    });
    channel.on('close', () => this.#ended());
    channel.on('error', () => this.#ended());
  }

  /** False once the channel closed, or once this side asked it to close: never reused after that. */
  get alive(): boolean {
    return this.#alive && !this.#closing;
  }

  get busy(): boolean {
    return this.#current !== undefined;
  }

  onClose(listener: () => void): void {
    if (!this.#alive) listener();
    else this.#closeListeners.push(listener);
  }

  /** Runs one framed command; rejects with SessionEndedError when the shell goes away meanwhile. */
  async run(framed: FramedCommand, onOutput?: (chunk: string, stream: StreamName) => void, maxBytes?: number): Promise<FrameResult> {
    const [result] = await this.runAll([framed], onOutput, maxBytes);
    return result!;
  }

  /** Runs framed commands one after another, written in one go: one round trip for all. */
  runAll(frames: readonly FramedCommand[], onOutput?: (chunk: string, stream: StreamName) => void, maxBytes?: number): Promise<FrameResult[]> {
    if (!this.alive) return Promise.reject(new SessionEndedError({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: -1, dropped: { stdout: 0, stderr: 0 } }, this.#exitCode, this.#signal));
    if (this.#current) return Promise.reject(new Error('internal: session already running a command'));
    return new Promise((resolve, reject) => {
      const parser = new FrameParser(
        frames.map((f) => f.marker),
        { onOutput, maxBytes, onStray: (bytes, stream) => this.counters.strayOutput(bytes, stream) },
      );
      const tag = newCommandTag();
      this.#current = { parser, tag, resolve, reject };
      const script = watchedScript(frames, tag, !this.#killDefined);
      this.#killDefined = true;
      this.counters.roundTrip();
      this.counters.bytesUp(Buffer.byteLength(script));
      this.channel.write(script);
    });
  }

  /**
   * Asks the session to kill its running command's processes, itself included (kill-tree.ts):
   * one newline on its stdin, no new channel. Returns the command's tag for a kill from elsewhere,
   * or undefined when nothing runs.
   */
  requestKill(): string | undefined {
    const current = this.#current;
    if (!current || !this.#alive) return undefined;
    try {
      this.counters.bytesUp(KILL_REQUEST.length);
      this.channel.write(KILL_REQUEST);
    } catch {
      // the connection is already gone
    }
    return current.tag;
  }

  /** Resolves true once the channel has closed, false when `ms` passed first (nothing is closed). */
  closedWithin(ms: number): Promise<boolean> {
    if (!this.#alive) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.onClose(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The results of the running batch's commands that have finished. */
  finishedResults(): FrameResult[] {
    return this.#current?.parser.finishedResults() ?? [];
  }

  /** What the running command printed so far (for TIMEOUT and ABORTED reports). */
  partial(): FrameResult | undefined {
    return this.#current?.parser.partial();
  }

  /** Writes to the session's stdin outside any command: the host lock holder's heartbeat. */
  send(text: string): void {
    if (!this.alive || this.#current) return;
    try {
      this.counters.bytesUp(text.length);
      this.channel.write(text);
    } catch {
      // the connection is already gone
    }
  }

  /** Ends the shell: EOF on its stdin, then the channel. */
  close(): void {
    if (!this.#alive) return;
    this.#closing = true;
    try {
      this.channel.end();
      this.channel.close();
    } catch {
      // the connection is already gone
    }
  }

  /** Resolves once the channel has closed, or after `ms` (then closes it from this side). */
  closed(ms: number): Promise<void> {
    if (!this.#alive) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.close();
        resolve();
      }, ms);
      this.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #settleIfDone(): void {
    const current = this.#current;
    if (!current || !current.parser.done) return;
    this.#current = undefined;
    current.resolve(current.parser.results());
  }

  #ended(): void {
    if (!this.#alive) return;
    this.#alive = false;
    const current = this.#current;
    this.#current = undefined;
    current?.reject(new SessionEndedError(current.parser.partial(), this.#exitCode, this.#signal, current.parser.finished, current.parser.finishedResults()));
    for (const listener of this.#closeListeners.splice(0)) listener();
  }

  /**
   * Opens the channel and waits for the bootstrap's ready line, answering a prompt once if one is
   * configured. A second prompt means the answer was rejected: the channel is closed at once so
   * that sudo never gets a second guess.
   */
  static open(client: Client, start: SessionStart): Promise<ShellSession> {
    const ready = newMarker('MBREADY');
    // Only a prelude with a bound of its own needs the shell to say it started.
    const started = start.prelude !== undefined && start.preludeTimeoutMs !== undefined ? newMarker('MBSTARTED') : undefined;
    const shellCommand = `/bin/sh -c ${quote(sessionBootstrap(ready, start.prelude, start.program, started))}`;
    const command = start.wrap ? start.wrap(shellCommand) : `${start.prefix ? `${start.prefix} ` : ''}${shellCommand}`;
    const withoutPrompt = (text: string) => (start.prompt ? removePrompts(text, start.prompt.text) : text);
    const { counters } = start;
    return new Promise((resolve, reject) => {
      counters.roundTrip();
      counters.bytesUp(Buffer.byteLength(command));
      client.exec(command, (error, channel) => {
        if (error) return reject(new SessionStartError('channel', '', undefined, error));
        let stdout = Buffer.alloc(0);
        let stderr = '';
        let prompts = 0;
        let exitCode: number | undefined;
        let settled = false;
        const openTimeoutMs = start.openTimeoutMs ?? DEFAULT_SESSION_OPEN_TIMEOUT_MS;
        const timedOut = () => fail(new SessionStartError(preludeFrom > 0 ? 'prelude-timeout' : 'timeout', withoutPrompt(stderr), undefined));
        let timer = setTimeout(timedOut, openTimeoutMs);
        /** Where the prelude's output begins: after the started line, once it came. */
        let preludeFrom = 0;
        const fail = (err: SessionStartError) => {
          if (settled) return;
          settled = true;
          cleanup();
          try {
            channel.close();
          } catch {
            // already closed
          }
          reject(err);
        };
        const onData = (chunk: Buffer) => {
          counters.bytesDown(chunk.length);
          stdout = Buffer.concat([stdout, chunk]);
          if (started !== undefined && preludeFrom === 0) {
            const startedAt = stdout.indexOf(started);
            const startedEnd = startedAt < 0 ? -1 : stdout.indexOf(0x0a, startedAt);
            if (startedEnd >= 0) {
              // The shell is there: from now on the prelude's wait is bounded by its own timeout.
              preludeFrom = startedEnd + 1;
              clearTimeout(timer);
              timer = setTimeout(timedOut, start.preludeTimeoutMs);
            }
          }
          const at = stdout.indexOf(ready);
          if (at < 0) return;
          const lineEnd = stdout.indexOf(0x0a, at);
          if (lineEnd < 0) return;
          const fields = stdout.subarray(at + ready.length, lineEnd).toString('latin1').trim();
          const preamble = stdout.subarray(Math.min(preludeFrom, at), at).toString('utf8');
          if (settled) return;
          settled = true;
          cleanup();
          const [pidText, ...stat] = fields.split(' ');
          const pid = Number(pidText);
          // /proc/<pid>/stat: "pid (comm) state ppid pgrp ...": comm may hold spaces, so count from ')'.
          const statText = stat.join(' ');
          const afterComm = statText.slice(statText.lastIndexOf(')') + 1).trim().split(' ');
          const pgrp = Number(afterComm[2]);
          const group = Number.isFinite(pgrp) && pgrp > 0 ? pgrp : Number.isFinite(pid) ? pid : undefined;
          resolve(new ShellSession(start.key, Number.isFinite(pid) ? pid : undefined, group, preamble, channel, counters));
        };
        const onStderr = (chunk: Buffer) => {
          counters.bytesDown(chunk.length);
          stderr += chunk.toString('utf8');
          const prompt = start.prompt;
          if (!prompt) return;
          const seen = countPrompts(stderr, prompt.text);
          if (seen <= prompts) return;
          prompts = seen;
          if (prompts === 1 && prompt.answer) {
            counters.roundTrip();
            const answer = `${prompt.answer.reveal()}\n`;
            counters.bytesUp(answer.length);
            channel.write(answer);
          } else {
            fail(new SessionStartError(prompt.answer ? 'password-rejected' : 'password-required', withoutPrompt(stderr), undefined));
          }
        };
        const onExit = (code: number | null) => {
          if (typeof code === 'number') exitCode = code;
        };
        const onClose = () => fail(new SessionStartError('exited', withoutPrompt(stderr), exitCode));
        const cleanup = () => {
          clearTimeout(timer);
          channel.off('data', onData);
          channel.stderr.off('data', onStderr);
          channel.off('exit', onExit);
          channel.off('close', onClose);
        };
        channel.on('data', onData);
        channel.stderr.on('data', onStderr);
        channel.on('exit', onExit);
        channel.on('close', onClose);
      });
    });
  }
}

function asGlobal(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
}

function countPrompts(text: string, prompt: string | RegExp): number {
  if (typeof prompt === 'string') return text.split(prompt).length - 1;
  return [...text.matchAll(asGlobal(prompt))].length;
}

/** Errors quote what the become tool said, without its prompts. */
function removePrompts(text: string, prompt: string | RegExp): string {
  return typeof prompt === 'string' ? text.split(prompt).join('') : text.replace(asGlobal(prompt), '');
}
