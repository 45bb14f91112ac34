import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import type { ShellCommand } from '../../command.js';
import { MeshbookError, type ErrorCode } from '../../errors.js';
import { escapeControl } from '../../escape-control.js';
import { onAbort } from '../../on-abort.js';
import { Secret } from '../../secret.js';
import type { BatchOptions, Become, BecomeMethod, CommandResult, CommandTrailer, ConnectionLoss, GetOptions, HostBackWait, PutOptions, RunOptions, Transport, TransportStats } from '../types.js';
import { hostLockedError, type HostLockRequest, type HostLockState } from '../host-lock.js';
import { HostLockKeeper } from './host-lock-keeper.js';
import { checkBack, connectUntilBack } from '../reconnect-policy.js';
import { getScript, putScript, removeScript, sha256Hex, tempPathFor } from './file-transfer.js';
import { commandResultOf, frameCommand, framesWithTrailer, type FrameResult, type FramedCommand } from '../framing.js';
import { killFromElsewhere } from './kill-tree.js';
import { SessionPool } from './session-pool.js';
import { SessionEndedError, SessionStartError, ShellSession, type SessionCounters } from './shell-session.js';
import { becomeError, becomeKey, becomeMethodOf, becomeSessionStart, becomeTarget, parseBecomeKey } from './become.js';

export interface SshTransportInit {
  host: string;
  loginUser: string;
  client: Client;
  /** Bastion connections this one runs through; closed with it. */
  jumpClients: Client[];
  becomePassword: Secret | undefined;
  /** How `become` changes user unless a play or task names a method; default sudo. */
  becomeMethod?: BecomeMethod | undefined;
  maxChannels: number;
  notices: string[];
  /** Details shown at -vvv: output dropped as stray. */
  onDebug?: ((message: string) => void) | undefined;
  /** How long a new shell (plain or sudo) may take to be ready; default DEFAULT_SESSION_OPEN_TIMEOUT_MS. */
  sessionOpenTimeoutMs?: number | undefined;
  /** Connects again with the same settings (bastion included): what reconnect() uses. */
  redial?: (() => Promise<{ client: Client; jumpClients: Client[] }>) | undefined;
}

/** What get() takes in (base64): memory stays bounded, and a larger file is an error, never a cut one. */
const GET_MAX_BASE64_BYTES = 256 * 1024 * 1024;

/** How much of the stray output a debug notice quotes. */
const STRAY_PREVIEW_CHARS = 200;

/** How long a killed session may take to close before it is closed from this side. */
const KILL_GRACE_MS = 3000;
/** How long closing waits for the host's shells to end before dropping the connection. */
const CLOSE_WAIT_MS = 2000;

/**
 * One SSH connection per host for the whole run, and a pool of kept shell sessions on it that
 * commands are fed through (~1-2 ms each instead of ~50 ms for a new exec channel).
 */
export class SshTransport implements Transport {
  readonly kind = 'ssh';
  readonly host: string;
  readonly loginUser: string;
  /** What the connection did that the user should know (e.g. a host key accepted by accept-new). */
  readonly notices: readonly string[];
  #client: Client;
  #jumpClients: Client[];
  readonly #becomePassword: Secret | undefined;
  readonly #becomeMethod: BecomeMethod;
  #pool: SessionPool;
  #lock: HostLockKeeper;
  readonly #maxChannels: number;
  readonly #redial: SshTransportInit['redial'];
  /** The host lock asked for (warmUp, lockHost), taken again after a reconnect. */
  #hostLockRequest: HostLockRequest | undefined;
  readonly #stats: TransportStats & { strayBytes: number } = { commands: 0, roundTrips: 0, bytesUp: 0, bytesDown: 0, strayBytes: 0 };
  readonly #onDebug: ((message: string) => void) | undefined;
  readonly #sessionOpenTimeoutMs: number | undefined;
  /** Stray output not reported yet, per stream. */
  readonly #stray = { stdout: { bytes: 0, preview: '' }, stderr: { bytes: 0, preview: '' } };
  readonly #counters: SessionCounters;
  #lost: MeshbookError | undefined;
  #lostDuringCommand = false;
  #closing = false;
  #closed: Promise<void> | undefined;
  /** Sessions with a command under way: close() kills them first (see #killRunning). */
  readonly #running = new Set<ShellSession>();
  /** Open TCP forwards (openTcp), destroyed at close. */
  readonly #forwards = new Set<Duplex>();
  #loginIsRoot: Promise<boolean> | undefined;

  constructor(init: SshTransportInit) {
    this.host = init.host;
    this.loginUser = init.loginUser;
    this.notices = init.notices;
    this.#client = init.client;
    this.#jumpClients = init.jumpClients;
    this.#maxChannels = init.maxChannels;
    this.#redial = init.redial;
    this.#becomePassword = init.becomePassword;
    this.#becomeMethod = init.becomeMethod ?? 'sudo';
    this.#onDebug = init.onDebug;
    this.#sessionOpenTimeoutMs = init.sessionOpenTimeoutMs;
    const stats = this.#stats;
    this.#counters = {
      roundTrip: () => void stats.roundTrips++,
      bytesUp: (n) => void (stats.bytesUp += n),
      bytesDown: (n) => void (stats.bytesDown += n),
      strayOutput: (bytes, stream) => {
        stats.strayBytes += bytes.length;
        const pending = this.#stray[stream];
        pending.bytes += bytes.length;
        if (pending.preview.length < STRAY_PREVIEW_CHARS) pending.preview = (pending.preview + bytes.toString('utf8')).slice(0, STRAY_PREVIEW_CHARS);
      },
    };
    this.#pool = this.#newPool();
    this.#lock = this.#newLockKeeper();
    this.#watch(this.#client);
  }

  #newPool(): SessionPool {
    return new SessionPool(this.#maxChannels, (key) => this.#openSession(key), isChannelRefusal);
  }

  #newLockKeeper(): HostLockKeeper {
    const pool = this.#pool;
    return new HostLockKeeper(
      this.host,
      pool,
      (prelude, program, preludeTimeoutMs) => this.#openSession('plain', { prelude, program, preludeTimeoutMs }),
      () => this.#closed !== undefined || this.#lost !== undefined || pool !== this.#pool,
    );
  }

  /** A dropped connection fails what runs on it; one replaced by reconnect() no longer counts. */
  #watch(client: Client): void {
    const onLost = (reason: string) => {
      if (this.#lost || this.#closing || client !== this.#client) return;
      this.#lostDuringCommand = this.#running.size > 0;
      this.#lost = new MeshbookError('UNREACHABLE', `connection to ${this.host} lost: ${reason}`, { host: this.host, hint: 'the host went away during the run; check that it is up' });
      this.#pool.closeAll(this.#lost);
    };
    client.on('close', () => onLost('connection closed'));
    client.on('error', (error: Error) => onLost(error.message));
  }

  /**
   * Drops the connection (if it is still up) and connects again with the same settings, trying
   * until the host answers or `timeoutMs` runs out: for a host that was rebooted on purpose. The
   * host lock is taken again. Authentication and host key failures end the wait at once.
   */
  async reconnect(options: HostBackWait): Promise<void> {
    if (this.#closing || this.#closed) throw new MeshbookError('ABORTED', `transport to ${this.host} is closed`, { host: this.host });
    const redial = this.#redial;
    if (!redial) throw new MeshbookError('INTERNAL', `transport to ${this.host} cannot reconnect: it was made without its connection settings`, { host: this.host });
    try {
      // The run's retry policy too (Connections.reconnect): one place says how long and how often.
      await connectUntilBack(this.host, options, async () => {
        this.#dropConnection();
        const { client, jumpClients } = await redial();
        this.#client = client;
        this.#jumpClients = jumpClients;
        this.#lost = undefined;
        this.#lostDuringCommand = false;
        this.#pool = this.#newPool();
        this.#lock = this.#newLockKeeper();
        this.#watch(client);
        await this.warmUp(this.#hostLockRequest);
        await checkBack(this, options.ready);
      });
    } catch (error) {
      this.#dropConnection();
      throw error;
    }
  }

  /** Closes the current connection from this side, for reconnect(): its sessions fail, nothing waits for the host. */
  #dropConnection(): void {
    const dropped = this.#lost ?? new MeshbookError('UNREACHABLE', `connection to ${this.host} dropped to reconnect`, { host: this.host });
    this.#lost = dropped;
    this.#lock.close();
    this.#pool.closeAll(dropped);
    dropSocket(this.#client);
    this.#client.end();
    for (const jump of this.#jumpClients) jump.end();
  }

  stats(): TransportStats {
    return { ...this.#stats };
  }

  get lost(): ConnectionLoss | undefined {
    return this.#lost ? { error: this.#lost, duringCommand: this.#lostDuringCommand } : undefined;
  }

  async run(command: ShellCommand, options: RunOptions = {}): Promise<CommandResult> {
    this.#stats.commands++;
    const stdin = options.stdin === undefined ? undefined : Buffer.from(options.stdin instanceof Secret ? options.stdin.reveal() : options.stdin);
    const framed = frameCommand({ command: command.text, cwd: options.cwd, env: options.env, stdin });
    const started = Date.now();
    const result = await this.#runFramedWithTrailer(command.display, framed, options);
    return commandResultOf(result, Date.now() - started, options.maxOutputBytes);
  }

  async runBatch(commands: readonly ShellCommand[], options: BatchOptions = {}): Promise<CommandResult[]> {
    this.#stats.commands++;
    const frames = commands.map((c) => frameCommand({ command: c.text, cwd: options.cwd, env: options.env }));
    const started = Date.now();
    const results = await this.#runFrames(`batch: ${commands.map((c) => c.display).join(' ; ')}`, frames, options);
    const durationMs = Date.now() - started;
    return results.map((r) => commandResultOf(r, durationMs, options.maxOutputBytes));
  }

  async put(path: string, content: string | Buffer, options: PutOptions = {}): Promise<void> {
    this.#stats.commands++;
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const tmp = tempPathFor(path);
    const script = putScript(path, tmp, data, sha256Hex(data), { mode: options.mode ?? 0o644, owner: options.owner, group: options.group, keepExisting: options.keepExisting, createParents: options.createParents });
    let result: FrameResult;
    try {
      result = await this.#runFramedWithTrailer(`put ${path}`, frameCommand({ command: script.text }), options);
    } catch (error) {
      // The script removes its temp file when a step fails; when the shell itself went away
      // (timeout, dropped session) it could not, so try once more from a fresh session.
      await this.#runFramed(`rm ${tmp}`, frameCommand({ command: removeScript(tmp).text }), { become: options.become }).catch(() => undefined);
      throw transferError(this.host, `writing ${path} failed`, error);
    }
    if (result.exitCode !== 0) {
      throw new MeshbookError('TRANSFER_FAILED', `writing ${path} failed: ${result.stderr.toString('utf8').trim() || `exit code ${result.exitCode}`}`, {
        host: this.host,
        exitCode: result.exitCode,
        stderr: result.stderr.toString('utf8'),
      });
    }
  }

  async get(path: string, options: GetOptions = {}): Promise<Buffer> {
    this.#stats.commands++;
    let result: FrameResult;
    try {
      result = await this.#runFramed(`get ${path}`, frameCommand({ command: getScript(path).text }), { ...options, maxOutputBytes: GET_MAX_BASE64_BYTES });
    } catch (error) {
      throw transferError(this.host, `reading ${path} failed`, error);
    }
    if (result.exitCode !== 0) {
      throw new MeshbookError('TRANSFER_FAILED', `reading ${path} failed: ${result.stderr.toString('utf8').trim() || `exit code ${result.exitCode}`}`, {
        host: this.host,
        exitCode: result.exitCode,
        stderr: result.stderr.toString('utf8'),
      });
    }
    if (result.dropped.stdout > 0) {
      throw new MeshbookError('TRANSFER_FAILED', `reading ${path} failed: the file is larger than ${(GET_MAX_BASE64_BYTES * 3) / 4} bytes`, { host: this.host, hint: 'read large files on the host (a command), not through get' });
    }
    return Buffer.from(result.stdout.toString('latin1'), 'base64');
  }

  /** What taking the lock while connecting found (warmUp), read by the runner without a round trip. */
  get hostLockState(): HostLockState | undefined {
    return this.#lock.state;
  }

  /**
   * The host lock, held until this transport closes (host-lock.ts): what connecting with the same
   * request found (no round trip), or taken now on a shell of its own (one round trip).
   */
  async lockHost(request: HostLockRequest): Promise<HostLockState> {
    if (this.#lost) throw this.#lost;
    this.#hostLockRequest = request;
    return this.#lock.lock(request);
  }

  /**
   * A TCP connection from the host to `address:port` through this SSH connection (direct-tcpip).
   * Closed with the transport; a refused or unresolvable target is UNREACHABLE naming both ends.
   */
  async openTcp(address: string, port: number, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Duplex> {
    if (this.#lost) throw this.#lost;
    if (this.#closing || this.#closed) throw new MeshbookError('ABORTED', `transport to ${this.host} is closed`, { host: this.host });
    const target = `${address}:${port}`;
    const timeoutMs = options.timeoutMs ?? 15_000;
    const stream = await new Promise<Duplex>((resolve, reject) => {
      let done = false;
      let stopWatching = (): void => undefined;
      const finish = (error: MeshbookError | undefined, channel?: Duplex) => {
        if (done) {
          channel?.destroy();
          return;
        }
        done = true;
        clearTimeout(timer);
        stopWatching();
        if (error) reject(error);
        else resolve(channel!);
      };
      const aborted = () => finish(new MeshbookError('ABORTED', `opening a connection to ${target} from ${this.host} was aborted`, { host: this.host }));
      const timer = setTimeout(() => finish(new MeshbookError('TIMEOUT', `opening a connection to ${target} from ${this.host} timed out after ${timeoutMs} ms`, { host: this.host })), timeoutMs);
      if (options.signal?.aborted) return aborted();
      stopWatching = onAbort(options.signal, aborted);
      this.#client.forwardOut('127.0.0.1', 0, address, port, (error, channel) => {
        if (error) {
          finish(new MeshbookError('UNREACHABLE', `${this.host} cannot connect to ${target}: ${error.message}`, {
            host: this.host,
            hint: `check that something listens on ${target} as seen from ${this.host}, and that its sshd allows TCP forwarding`,
            cause: error,
          }));
        } else finish(undefined, channel as unknown as Duplex);
      });
    });
    this.#forwards.add(stream);
    stream.once('close', () => this.#forwards.delete(stream));
    return stream;
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    await this.#killRunning();
    this.#closing = true;
    for (const forward of this.#forwards) forward.destroy();
    const sessions = this.#pool.openSessions();
    this.#lock.close();
    this.#pool.closeAll(new MeshbookError('ABORTED', `transport to ${this.host} closed`, { host: this.host }));
    // A channel closes once its shell has ended on the host (EOF on its stdin): the lock's holder
    // with the lock. That is waited for; sshd's own teardown of the connection afterwards (PAM,
    // logind, its privilege-separation monitor) is not: the disconnect is sent, and the socket no
    // longer keeps the process alive while sshd finishes.
    const ended = await Promise.all(sessions.map((s) => s.closedWithin(CLOSE_WAIT_MS)));
    if (!ended.every(Boolean)) {
      // A host that stopped answering (frozen, cut off) never completes the disconnect, and its
      // open socket would keep the controller process alive: drop it.
      dropSocket(this.#client);
    } else {
      this.#client.end();
      socketOf(this.#client)?.unref?.();
    }
    for (const jump of this.#jumpClients) {
      jump.end();
      socketOf(jump)?.unref?.();
    }
  }

  /**
   * A kept shell has no pty, so nothing signals its command when the channel closes: a command
   * still running at close (an interrupted run, a forced stop) would go on on the host. It is
   * killed first, with everything it started (kill-tree.ts), within the kill grace.
   */
  async #killRunning(): Promise<void> {
    const running = [...this.#running].filter((s) => s.alive && s.busy);
    if (running.length === 0 || this.#lost) return;
    await Promise.all(running.map((s) => this.#killCommand(s)));
  }

  /**
   * Opens the first session and checks the shell answers: the end of an eager connect. With a
   * host lock, the lock's own shell opens at the same time (its bootstrap takes the lock); another
   * run holding it for the whole wait fails the connect with HOST_LOCKED.
   */
  async warmUp(hostLock?: HostLockRequest): Promise<void> {
    if (hostLock) this.#hostLockRequest = hostLock;
    // The lock's shell runs nothing else: a shell for commands opens alongside it, not after it.
    const shell = this.#pool.acquire('plain').then((session) => this.#pool.release(session));
    if (hostLock) {
      shell.catch(() => undefined);
      const lock = await this.#lock.lock(hostLock);
      if (lock.state === 'busy') throw hostLockedError(this.host, lock.holder, hostLock.waitMs);
    }
    await shell;
  }

  async #runFramed(display: string, framed: FramedCommand, options: RunOptions): Promise<FrameResult> {
    const [result] = await this.#runFrames(display, [framed], options);
    return result!;
  }

  /**
   * One command and its trailer's read-only commands (CommandTrailer) in one round trip; the
   * command's result as without them, the trailer's results (or undefined) to its `settle`.
   */
  async #runFramedWithTrailer(display: string, framed: FramedCommand, options: RunOptions & { trailer?: CommandTrailer | undefined }): Promise<FrameResult> {
    const { trailer } = options;
    if (!trailer || trailer.commands.length === 0) return this.#runFramed(display, framed, options);
    let results: FrameResult[];
    try {
      results = await this.#runFrames(display, framesWithTrailer(framed, trailer.commands), options, 1);
    } catch (error) {
      trailer.settle(undefined);
      throw error;
    }
    const [own, ...rest] = results;
    const complete = own!.exitCode === 0 && rest.length === trailer.commands.length;
    trailer.settle(complete ? rest.map((r) => commandResultOf(r, 0, options.maxOutputBytes)) : undefined);
    return own!;
  }

  /**
   * `own`: how many of the frames are the caller's commands; the rest are a trailer's. Once the
   * own ones have finished, a timeout, kill or lost shell during the trailer returns their results
   * (fewer than the frames) instead of failing them.
   */
  async #runFrames(display: string, frames: readonly FramedCommand[], options: RunOptions, own = frames.length): Promise<FrameResult[]> {
    const { signal, timeoutMs } = options;
    if (this.#lost) throw this.#lost;
    if (this.#closing) throw new MeshbookError('ABORTED', `transport to ${this.host} is closed`, { host: this.host, command: display });
    if (signal?.aborted) throw new MeshbookError('ABORTED', 'command aborted before it started', { host: this.host, command: display });
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const key = await this.#sessionKey(options.become);
    const session = await this.#acquireUnderLock(key, display, signal, deadline, timeoutMs).catch((error: unknown) => {
      if (error instanceof MeshbookError) throw error;
      throw new MeshbookError(this.#lost ? 'UNREACHABLE' : 'COMMAND_FAILED', `cannot open a shell session on ${this.host}: ${(error as Error).message}`, { host: this.host, command: display, cause: error });
    });
    this.#running.add(session);
    let interrupted: ErrorCode | undefined;
    let interruption: Promise<void> | undefined;
    let settleInterrupted: (() => void) | undefined;
    // Settles once a kill has gone out and the session closed (or its grace ran out): the command's
    // own promise may never settle when the shell could not be killed.
    const killed = new Promise<never>((_, reject) => (settleInterrupted = () => reject(new Error('interrupted'))));
    killed.catch(() => undefined);
    /** The own frames' results when they had all finished before an interrupt. */
    let ownBeforeInterrupt: FrameResult[] | undefined;
    const interrupt = (code: ErrorCode) => {
      if (interrupted) return;
      interrupted = code;
      if (own < frames.length) {
        const finished = session.finishedResults();
        if (finished.length >= own) ownBeforeInterrupt = finished.slice(0, own);
      }
      interruption = this.#killSession(session).then(settleInterrupted);
    };
    const timer = deadline === undefined ? undefined : setTimeout(() => interrupt('TIMEOUT'), Math.max(0, deadline - Date.now()));
    const stopWatching = onAbort(signal, () => interrupt('ABORTED'));
    const running = session.runAll(frames, options.onOutput, options.maxOutputBytes);
    running.catch(() => undefined);
    // A command the kill ended also reports an end (exit 143): only an end that came before the
    // interrupt is the command's own completion.
    let completedBeforeInterrupt = false;
    running.then(() => (completedBeforeInterrupt = interrupted === undefined), () => undefined);
    const interruptedError = (code: ErrorCode, partial: { stdout: Buffer; stderr: Buffer } | undefined) => {
      const message = code === 'TIMEOUT' ? `command timed out after ${timeoutMs} ms; its processes were killed` : 'command aborted; its processes were killed';
      return new MeshbookError(code, message, { host: this.host, command: display, stdout: partial?.stdout.toString('utf8'), stderr: partial?.stderr.toString('utf8') });
    };
    try {
      let result: Awaited<typeof running>;
      try {
        result = await Promise.race([running, killed]);
      } catch (error) {
        if (!interrupted && error instanceof SessionEndedError && own < frames.length && error.completed.length >= own) return error.completed.slice(0, own);
        if (!interrupted) throw await this.#sessionFailure(error, display);
        await interruption;
        if (ownBeforeInterrupt) return ownBeforeInterrupt;
        const partial = error instanceof SessionEndedError ? error.partial : session.partial();
        throw interruptedError(interrupted, partial);
      }
      // Finished just as the timer fired: the kill already went out, so let it land before the
      // session goes back (dead) to the pool.
      if (interruption) await interruption;
      if (interrupted && !completedBeforeInterrupt) {
        if (ownBeforeInterrupt) return ownBeforeInterrupt;
        throw interruptedError(interrupted, result.at(-1));
      }
      return result;
    } finally {
      if (timer) clearTimeout(timer);
      stopWatching();
      this.#running.delete(session);
      this.#pool.release(session);
      this.#reportStray();
    }
  }

  /** Stray output dropped since the last report: one debug notice per stream, escaped. */
  #reportStray(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const pending = this.#stray[stream];
      if (pending.bytes === 0) continue;
      const shown = escapeControl(pending.preview, false);
      this.#onDebug?.(
        `dropped ${pending.bytes} bytes of ${stream} that arrived outside any command (a background process still writing?): "${shown}"${pending.bytes > pending.preview.length ? ' ...' : ''}`,
      );
      pending.bytes = 0;
      pending.preview = '';
    }
  }

  /** A session for the command, only while the host lock (if taken) is still held (host-lock-keeper.ts). */
  async #acquireUnderLock(key: string, display: string, signal: AbortSignal | undefined, deadline: number | undefined, timeoutMs: number | undefined): Promise<ShellSession> {
    await this.#lock.ensure();
    const session = await this.#acquire(key, display, signal, deadline, timeoutMs);
    try {
      // The holder may have died while this command waited for a session: no command runs unlocked.
      await this.#lock.ensure();
    } catch (error) {
      this.#pool.release(session);
      throw error;
    }
    return session;
  }

  /** A session for `key`, giving up with TIMEOUT/ABORTED if the wait for a free channel outlasts them. */
  async #acquire(key: string, display: string, signal: AbortSignal | undefined, deadline: number | undefined, timeoutMs: number | undefined): Promise<ShellSession> {
    const acquisition = this.#pool.acquire(key);
    if (!signal && deadline === undefined) return acquisition;
    return new Promise<ShellSession>((resolve, reject) => {
      let gaveUp = false;
      const giveUp = (error: MeshbookError) => {
        gaveUp = true;
        cleanup();
        reject(error);
      };
      const timer = deadline === undefined ? undefined : setTimeout(() => giveUp(new MeshbookError('TIMEOUT', `command timed out after ${timeoutMs} ms waiting for a free session`, { host: this.host, command: display })), Math.max(0, deadline - Date.now()));
      const stopWatching = onAbort(signal, () => giveUp(new MeshbookError('ABORTED', 'command aborted while waiting for a free session', { host: this.host, command: display })));
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        stopWatching();
      };
      acquisition.then(
        (session) => {
          // A session that arrives after the caller gave up goes straight back.
          if (gaveUp) return this.#pool.release(session);
          cleanup();
          resolve(session);
        },
        (error: unknown) => {
          if (gaveUp) return;
          cleanup();
          reject(error);
        },
      );
    });
  }

  /**
   * Kills the session's command with everything it started, the shell included (kill-tree.ts).
   * The killed session closes and the pool opens a fresh one when needed.
   */
  async #killSession(session: ShellSession): Promise<void> {
    await this.#killCommand(session);
    await session.closed(KILL_GRACE_MS);
  }

  /**
   * The kill request goes through the command's own session: no new channel, which sshd's
   * MaxSessions could refuse. Only when that session does not close within the grace (its shell
   * stuck, the request lost) is the kill sent from another session of the same user.
   */
  async #killCommand(session: ShellSession): Promise<void> {
    if (this.#lost) return;
    const tag = session.requestKill();
    if (await session.closedWithin(KILL_GRACE_MS)) return;
    if (tag === undefined || session.pid === undefined || this.#lost) return;
    // Bounded: on a host that stopped answering (paused, cut off) opening the killer session or
    // running the kill would wait for the keepalive to drop the connection (~30 s). The kill stays
    // queued on the connection and lands if the host comes back.
    await settledWithin(this.#sendKill(session.key, tag, session.pid), KILL_GRACE_MS);
  }

  async #sendKill(key: string, tag: string, pid: number): Promise<void> {
    try {
      const killer = this.#pool.takeIdle(key) ?? (await this.#pool.openExtra(key));
      try {
        await killer.run(frameCommand({ command: killFromElsewhere(tag, pid) }));
      } finally {
        this.#pool.release(killer);
      }
    } catch {
      // Fall through: closing the channel at least stops the wait here.
    }
  }

  async #sessionFailure(error: unknown, display: string): Promise<MeshbookError> {
    if (error instanceof MeshbookError) return error;
    if (this.#closing && !this.#lost) return new MeshbookError('ABORTED', `transport to ${this.host} closed during the command`, { host: this.host, command: display, cause: error });
    if (error instanceof SessionEndedError) {
      // A dropped connection closes every channel first; give the client's close a moment to
      // arrive so that the host is reported unreachable, not the command as failed.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const stdout = error.partial.stdout.toString('utf8');
      const stderr = error.partial.stderr.toString('utf8');
      if (this.#lost) return new MeshbookError('UNREACHABLE', `${this.#lost.message} (during the command)`, { host: this.host, command: display, stdout, stderr, cause: error });
      return new MeshbookError('COMMAND_FAILED', `the command ended the remote shell (${error.message.replace(/^the remote shell ended ?/, '') || 'no exit status'}); the session was replaced`, {
        host: this.host,
        command: display,
        exitCode: error.exitCode ?? null,
        stdout,
        stderr,
        cause: error,
      });
    }
    return new MeshbookError(this.#lost ? 'UNREACHABLE' : 'COMMAND_FAILED', (error as Error).message, { host: this.host, command: display, cause: error });
  }

  async #sessionKey(become: Become | undefined): Promise<string> {
    const target = becomeTarget(become);
    if (target === undefined || target === this.loginUser) return 'plain';
    if (target === 'root' && (await this.#isLoginRoot())) return 'plain';
    return becomeKey(becomeMethodOf(become) ?? this.#becomeMethod, target);
  }

  /** Whether the login user is uid 0 (any name): then become root needs no sudo. Asked once. */
  #isLoginRoot(): Promise<boolean> {
    this.#loginIsRoot ??= this.#runFramed('id -u', frameCommand({ command: 'id -u' }), {}).then((r) => r.stdout.toString().trim() === '0');
    return this.#loginIsRoot;
  }

  /** `bootstrap`: what the shell runs first, execs after, and how long the first may take (the host lock's); plain sessions only. */
  async #openSession(key: string, bootstrap: { prelude: string; program: string; preludeTimeoutMs: number } | undefined = undefined): Promise<ShellSession> {
    if (this.#lost) throw this.#lost;
    if (key === 'plain') {
      try {
        return await ShellSession.open(this.#client, {
          key,
          prefix: '',
          counters: this.#counters,
          ...(bootstrap ?? {}),
          ...(this.#sessionOpenTimeoutMs === undefined ? {} : { openTimeoutMs: this.#sessionOpenTimeoutMs }),
        });
      } catch (error) {
        if (isChannelRefusal(error)) throw error;
        throw new MeshbookError(this.#lost ? 'UNREACHABLE' : 'COMMAND_FAILED', `cannot start a shell on ${this.host}: ${(error as Error).message}`, { host: this.host, cause: error });
      }
    }
    const { method, user } = parseBecomeKey(key);
    try {
      return await ShellSession.open(this.#client, becomeSessionStart(method, user, this.#becomePassword, this.#counters, this.#sessionOpenTimeoutMs));
    } catch (error) {
      if (this.#lost) throw this.#lost;
      if (isChannelRefusal(error)) throw error;
      throw becomeError(this.host, method, user, error, this.#sessionOpenTimeoutMs);
    }
  }
}

/**
 * Destroys the client's TCP socket. ssh2's own destroy() does nothing once end() has half-closed
 * the socket (it checks `writable`), which is exactly the case of a host that never answers the
 * disconnect, so the socket is reached directly.
 */
function dropSocket(client: Client): void {
  socketOf(client)?.destroy();
}

/** The client's socket: a TCP socket, or a channel of the bastion's connection (no unref). */
function socketOf(client: Client): { destroy(): void; unref?: () => void } | undefined {
  return (client as unknown as { _sock?: { destroy(): void; unref?: () => void } })._sock;
}

/** Waits for `work` (which never rejects) at most `ms`. */
function settledWithin(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function isChannelRefusal(error: unknown): boolean {
  return error instanceof SessionStartError && error.reason === 'channel';
}

function transferError(host: string, what: string, error: unknown): MeshbookError {
  if (error instanceof MeshbookError) {
    // Unreachable, timeout and abort keep their code: they say more than "transfer failed".
    if (error.code !== 'COMMAND_FAILED') return error;
    return new MeshbookError('TRANSFER_FAILED', `${what}: ${error.message}`, { host, stdout: error.stdout, stderr: error.stderr, cause: error });
  }
  return new MeshbookError('TRANSFER_FAILED', `${what}: ${(error as Error).message}`, { host, cause: error });
}
