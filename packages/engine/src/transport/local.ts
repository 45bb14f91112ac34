import { spawn } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { randomBytes } from 'node:crypto';
import { sha256 } from '../hash.js';
import { chmod, chown, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { ShellCommand } from '../command.js';
import { sh } from '../command.js';
import { MeshbookError } from '../errors.js';
import { onAbort } from '../on-abort.js';
import { Secret } from '../secret.js';
import { DEFAULT_MAX_OUTPUT_BYTES, FrameParser, commandResultOf, frameCommand } from './framing.js';
import type { BatchOptions, CommandResult, GetOptions, PutOptions, RunOptions, Transport, TransportStats } from './types.js';

/**
 * The controller itself, for tasks delegated to localhost (`rke up`) and for tests. Commands run
 * through `sh -c` in their own process group, so a timeout or abort kills everything they started.
 * Become is not supported here: the controller runs as the user who started meshbook.
 */
export class LocalTransport implements Transport {
  readonly kind = 'local';
  readonly #stats: TransportStats = { commands: 0, roundTrips: 0, bytesUp: 0, bytesDown: 0 };
  /** Process groups still running, killed on close so an interrupted run leaves nothing behind. */
  readonly #running = new Set<number>();

  constructor(readonly host = 'localhost') {}

  async run(command: ShellCommand, options: RunOptions = {}): Promise<CommandResult> {
    this.#stats.commands++;
    const started = Date.now();
    let text = command.text;
    if (options.cwd) text = `cd ${sh`${options.cwd}`.text} && ${text}`;
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const kept = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const size = { stdout: 0, stderr: 0 };
    const dropped = { stdout: 0, stderr: 0 };
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    const soFar = () => ({ stdout: Buffer.concat(kept.stdout).toString('utf8'), stderr: Buffer.concat(kept.stderr).toString('utf8') });
    const stdin = options.stdin instanceof Secret ? options.stdin.reveal() : options.stdin;
    const exitCode = await this.#spawn(text, command.display, options, stdin, (chunk, stream) => {
      // Bounded like the SSH transport: what is past the cap is counted, not kept.
      const room = Math.max(0, max - size[stream]);
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      dropped[stream] += chunk.length - part.length;
      if (part.length === 0) return;
      size[stream] += part.length;
      kept[stream].push(part);
      const decoded = decoders[stream].write(part);
      if (decoded) options.onOutput?.(decoded, stream);
    }, soFar);
    const { stdout, stderr } = soFar();
    return commandResultOf({ stdout: Buffer.from(stdout), stderr: Buffer.from(stderr), exitCode, dropped }, Date.now() - started, max);
  }

  /** The same framing as a kept SSH shell (framing.ts): one `sh` runs them all, each read apart. */
  async runBatch(commands: readonly ShellCommand[], options: BatchOptions = {}): Promise<CommandResult[]> {
    this.#stats.commands++;
    const started = Date.now();
    const frames = commands.map((c) => frameCommand({ command: c.text, cwd: options.cwd }));
    const parser = new FrameParser(frames.map((f) => f.marker));
    const display = `batch: ${commands.map((c) => c.display).join(' ; ')}`;
    const partial = () => ({ stdout: parser.partial().stdout.toString('utf8'), stderr: parser.partial().stderr.toString('utf8') });
    const exitCode = await this.#spawn(frames.map((f) => f.script).join(''), display, options, undefined, (chunk, stream) => {
      if (stream === 'stdout') parser.pushStdout(chunk);
      else parser.pushStderr(chunk);
    }, partial);
    if (!parser.done) {
      throw new MeshbookError('COMMAND_FAILED', `the batch ended early: ${parser.finished} of ${commands.length} commands finished before the shell exited (exit code ${exitCode})`, {
        host: this.host,
        command: display,
        ...partial(),
      });
    }
    const durationMs = Date.now() - started;
    return parser.results().map((r) => commandResultOf(r, durationMs));
  }

  /** Runs `sh -c text` in its own process group; resolves with its exit code. */
  #spawn(
    text: string,
    display: string,
    options: Omit<RunOptions, 'stdin' | 'onOutput'>,
    stdin: string | Buffer | undefined,
    onData: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
    soFar: () => { stdout: string; stderr: string },
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', text], {
        detached: true,
        env: { ...process.env, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let settled = false;
      let stopWatching = (): void => undefined;
      if (child.pid) this.#running.add(child.pid);
      const kill = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const finish = (error: MeshbookError | null, code = -1) => {
        if (settled) return;
        settled = true;
        if (child.pid) this.#running.delete(child.pid);
        clearTimeout(timer);
        stopWatching();
        if (error) reject(error);
        else resolve(code);
      };
      const timer = options.timeoutMs
        ? setTimeout(() => {
            kill();
            finish(new MeshbookError('TIMEOUT', `command timed out after ${options.timeoutMs} ms`, { host: this.host, command: display, ...soFar() }));
          }, options.timeoutMs)
        : undefined;
      const aborted = () => {
        kill();
        finish(new MeshbookError('ABORTED', 'command aborted', { host: this.host, command: display }));
      };
      if (options.signal?.aborted) return aborted();
      stopWatching = onAbort(options.signal, aborted);
      child.stdout.on('data', (d: Buffer) => onData(d, 'stdout'));
      child.stderr.on('data', (d: Buffer) => onData(d, 'stderr'));
      child.on('error', (e) => finish(new MeshbookError('COMMAND_FAILED', e.message, { host: this.host, command: display, cause: e })));
      child.on('close', (code, signal) => finish(null, code ?? (signal ? 128 : -1)));
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin ?? '');
    });
  }

  async put(path: string, content: string | Buffer, options: PutOptions = {}): Promise<void> {
    this.#stats.commands++;
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const tmp = join(dirname(path), `.${basename(path)}.meshbook-${randomBytes(6).toString('hex')}`);
    // As mkdir -p: mode 0777 less the umask.
    if (options.createParents) await mkdir(dirname(path), { recursive: true });
    try {
      // Synced before the rename and the directory after it, as the SSH put does: durable, not only atomic.
      const file = await open(tmp, 'wx', 0o600);
      try {
        await file.writeFile(data);
        await file.sync();
      } finally {
        await file.close();
      }
      const existing = options.keepExisting ? await stat(path).catch(() => undefined) : undefined;
      if (existing) {
        await chown(tmp, existing.uid, existing.gid);
        await chmod(tmp, existing.mode & 0o7777);
        // Extended attributes (ACLs, SELinux context, capabilities): GNU cp copies those the filesystem keeps.
        try {
          execFileSync('cp', ['--attributes-only', '--preserve=xattr', '--', path, tmp], { stdio: 'ignore' });
        } catch {
          // none to keep, or a filesystem without xattrs
        }
      } else {
        if (options.owner || options.group) {
          const uid = options.owner ? Number(execFileSync('id', ['-u', options.owner]).toString().trim()) : -1;
          const gid = options.group ? Number(execFileSync('getent', ['group', options.group]).toString().split(':')[2]) : -1;
          await chown(tmp, uid, gid);
        }
        await chmod(tmp, options.mode ?? 0o644);
      }
      const written = await readFile(tmp);
      if (sha256(written) !== sha256(data)) {
        throw new MeshbookError('TRANSFER_FAILED', `checksum mismatch writing ${path}`, { host: this.host });
      }
      await rename(tmp, path);
      const directory = await open(dirname(path), 'r');
      await directory.sync().finally(() => directory.close());
    } catch (error) {
      await rm(tmp, { force: true });
      if (error instanceof MeshbookError) throw error;
      throw new MeshbookError('TRANSFER_FAILED', `writing ${path} failed: ${(error as Error).message}`, { host: this.host, cause: error });
    }
  }

  async get(path: string, _options: GetOptions = {}): Promise<Buffer> {
    this.#stats.commands++;
    try {
      return await readFile(path);
    } catch (error) {
      throw new MeshbookError('TRANSFER_FAILED', `reading ${path} failed: ${(error as Error).message}`, { host: this.host, cause: error });
    }
  }

  /** A TCP connection from the controller itself (what a forward from an SSH host is, for localhost). */
  openTcp(address: string, port: number, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Duplex> {
    const target = `${address}:${port}`;
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: address, port });
      const fail = (error: MeshbookError) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new MeshbookError('TIMEOUT', `connecting to ${target} timed out`, { host: this.host })), options.timeoutMs ?? 15_000);
      if (options.signal?.aborted) return fail(new MeshbookError('ABORTED', `connecting to ${target} was aborted`, { host: this.host }));
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (error) => fail(new MeshbookError('UNREACHABLE', `${this.host} cannot connect to ${target}: ${error.message}`, { host: this.host, cause: error })));
    });
  }

  stats(): TransportStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    for (const pid of this.#running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.#running.clear();
  }
}
