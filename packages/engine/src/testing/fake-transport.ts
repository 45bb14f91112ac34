import { MeshbookError } from '../errors.js';
import { onAbort } from '../on-abort.js';
import type { ShellCommand } from '../command.js';
import { Secret } from '../secret.js';
import type { BatchOptions, CommandResult, ConnectionLoss, GetOptions, PutOptions, RunOptions, Transport, TransportStats } from '../transport/types.js';

export interface FakeReply {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
}

/**
 * Answers a command by its text (the real, unmasked shell text). Return undefined for "not
 * scripted": the command then exits 127, so a test never passes by accident on a missing answer.
 */
export type FakeCommandHandler = (
  text: string,
  context: { host: string; options: RunOptions; transport: FakeTransport },
) => FakeReply | undefined | Promise<FakeReply | undefined>;

export interface FakeFile {
  content: Buffer;
  mode: number;
  owner?: string;
  group?: string;
}

export interface FakeTransportOptions {
  /** Initial files: path -> content. */
  files?: Record<string, string | Buffer>;
  handler?: FakeCommandHandler;
  /** Delay per operation, for tests of parallelism and interruption. */
  latencyMs?: number;
}

/** What a FakeTransport saw: every command, put and get, in order. */
export type FakeOperation =
  | { kind: 'run'; text: string; display: string; options: RunOptions }
  | { kind: 'put'; path: string; content: Buffer; options: PutOptions }
  | { kind: 'get'; path: string };

/**
 * An in-memory host: a virtual file map and a scriptable command handler. Counts stats like a real
 * transport (each operation is one round trip) and honours abort signals and timeouts.
 */
export class FakeTransport implements Transport {
  readonly kind = 'fake';
  readonly files = new Map<string, FakeFile>();
  readonly operations: FakeOperation[] = [];
  handler: FakeCommandHandler | undefined;
  latencyMs: number;
  closed = false;
  /** When set, every operation throws this (e.g. an UNREACHABLE error: the connection dropped). */
  failure: MeshbookError | undefined;
  #stats: TransportStats = { commands: 0, roundTrips: 0, bytesUp: 0, bytesDown: 0 };

  constructor(
    readonly host = 'fake',
    options: FakeTransportOptions = {},
  ) {
    this.handler = options.handler;
    this.latencyMs = options.latencyMs ?? 0;
    for (const [path, content] of Object.entries(options.files ?? {})) this.writeFile(path, content);
  }

  /** The texts of the commands run so far. */
  get commands(): string[] {
    return this.operations.flatMap((op) => (op.kind === 'run' ? [op.text] : []));
  }

  /** A file's content as text, or undefined. */
  readFile(path: string): string | undefined {
    return this.files.get(path)?.content.toString('utf8');
  }

  writeFile(path: string, content: string | Buffer, mode = 0o644): void {
    this.files.set(path, { content: Buffer.from(content), mode });
  }

  /** Makes the connection drop: every later operation throws UNREACHABLE. */
  disconnect(message = 'connection lost'): void {
    this.failure = new MeshbookError('UNREACHABLE', message, { host: this.host });
  }

  /**
   * Makes the connection drop the way an SSH transport reports it (Transport.lost), so the runner
   * can open it again when nothing was running (`duringCommand` false).
   */
  drop(duringCommand: boolean, message = 'connection to fake lost: connection closed'): void {
    this.disconnect(message);
    this.lost = { error: this.failure!, duringCommand };
  }

  lost: ConnectionLoss | undefined;

  async run(command: ShellCommand, options: RunOptions = {}): Promise<CommandResult> {
    const started = Date.now();
    await this.#begin(options.signal, options.timeoutMs, command.display);
    this.operations.push({ kind: 'run', text: command.text, display: command.display, options });
    const stdin = options.stdin instanceof Secret ? options.stdin.reveal() : options.stdin;
    if (stdin !== undefined) this.#stats.bytesUp += Buffer.byteLength(stdin);
    const reply = (await this.handler?.(command.text, { host: this.host, options, transport: this })) ?? {
      stderr: `fake transport: no reply scripted for: ${command.display}`,
      exitCode: 127,
    };
    const result: CommandResult = {
      stdout: reply.stdout ?? '',
      stderr: reply.stderr ?? '',
      exitCode: reply.exitCode ?? 0,
      durationMs: Date.now() - started,
    };
    this.#stats.bytesDown += Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr);
    if (result.stdout) options.onOutput?.(result.stdout, 'stdout');
    if (result.stderr) options.onOutput?.(result.stderr, 'stderr');
    return result;
  }

  /** One operation and round trip, like a real batch; the handler answers each command on its own. */
  async runBatch(commands: readonly ShellCommand[], options: BatchOptions = {}): Promise<CommandResult[]> {
    const started = Date.now();
    await this.#begin(options.signal, options.timeoutMs, `batch: ${commands.map((c) => c.display).join(' ; ')}`);
    const results: CommandResult[] = [];
    for (const command of commands) {
      this.operations.push({ kind: 'run', text: command.text, display: command.display, options });
      const reply = (await this.handler?.(command.text, { host: this.host, options, transport: this })) ?? {
        stderr: `fake transport: no reply scripted for: ${command.display}`,
        exitCode: 127,
      };
      const result: CommandResult = { stdout: reply.stdout ?? '', stderr: reply.stderr ?? '', exitCode: reply.exitCode ?? 0, durationMs: Date.now() - started };
      this.#stats.bytesDown += Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr);
      results.push(result);
    }
    return results;
  }

  async put(path: string, content: string | Buffer, options: PutOptions = {}): Promise<void> {
    await this.#begin(options.signal, options.timeoutMs, `put ${path}`);
    const data = Buffer.from(content);
    this.operations.push({ kind: 'put', path, content: data, options });
    this.#stats.bytesUp += data.length;
    this.files.set(path, { content: data, mode: options.mode ?? 0o644, owner: options.owner, group: options.group });
  }

  async get(path: string, options: GetOptions = {}): Promise<Buffer> {
    await this.#begin(options.signal, options.timeoutMs, `get ${path}`);
    this.operations.push({ kind: 'get', path });
    const file = this.files.get(path);
    if (!file) throw new MeshbookError('TRANSFER_FAILED', `reading ${path} failed: no such file`, { host: this.host });
    this.#stats.bytesDown += file.content.length;
    return Buffer.from(file.content);
  }

  stats(): TransportStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** A new connection to the same host: files and the operation log stay, stats start again. */
  reopen(): void {
    this.closed = false;
    this.failure = undefined;
    this.lost = undefined;
    this.#stats = { commands: 0, roundTrips: 0, bytesUp: 0, bytesDown: 0 };
  }

  async #begin(signal: AbortSignal | undefined, timeoutMs: number | undefined, what: string): Promise<void> {
    if (this.closed) throw new MeshbookError('UNREACHABLE', 'transport is closed', { host: this.host, command: what });
    if (this.failure) throw this.failure;
    this.#stats.commands++;
    this.#stats.roundTrips++;
    if (signal?.aborted) throw new MeshbookError('ABORTED', 'command aborted', { host: this.host, command: what });
    if (this.latencyMs > 0) await delay(this.latencyMs, signal, timeoutMs, this.host, what);
    if (this.failure) throw this.failure;
  }
}

function delay(ms: number, signal: AbortSignal | undefined, timeoutMs: number | undefined, host: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: MeshbookError) => {
      clearTimeout(timer);
      clearTimeout(timeout);
      stopWatching();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(), ms);
    const timeout =
      timeoutMs !== undefined && timeoutMs < ms
        ? setTimeout(() => finish(new MeshbookError('TIMEOUT', `command timed out after ${timeoutMs} ms`, { host, command: what })), timeoutMs)
        : undefined;
    const stopWatching = onAbort(signal, () => finish(new MeshbookError('ABORTED', 'command aborted', { host, command: what })));
  });
}
