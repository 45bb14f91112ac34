import { MeshbookError } from '../../errors.js';
import { DEFAULT_LEASE_MS, hostLockPrelude, leaseProgram, parseHostLockReply, type HostLockRequest, type HostLockState } from '../host-lock.js';
import type { SessionPool } from './session-pool.js';
import { SessionStartError, type ShellSession } from './shell-session.js';

/** How long past --lock-timeout the lock's answer may take to come back (a loaded host, a slow link). */
const LOCK_REPLY_GRACE_MS = 20_000;

/** The lock's shell started, but its wait outran waitMs and the grace: the open error's cause says so. */
function isPreludeTimeout(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof SessionStartError && e.reason === 'prelude-timeout') return true;
  }
  return false;
}

/**
 * The host lock of one SSH transport. It is taken in the bootstrap of a shell of its own, which
 * then runs nothing but its lease loop (host-lock.ts): no command's timeout or exit can end it.
 * The keeper sends that shell a heartbeat byte every third of the lease. When the holder dies
 * anyway (killed on the host, its lease ran out), the lock is lost for good: every later command
 * fails with HOST_LOCKED, because another run may have changed the host meanwhile and this run's
 * facts could be stale. It is never silently taken again.
 */
export class HostLockKeeper {
  #request: HostLockRequest | undefined;
  /** The latest take for #request: lockHost answers from it. */
  #taking: Promise<HostLockState> | undefined;
  #state: HostLockState | undefined;
  #holder: ShellSession | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  /** The lock was lost: thrown to every later command. */
  #failure: MeshbookError | undefined;

  constructor(
    private readonly host: string,
    private readonly pool: SessionPool,
    /**
     * Opens a plain shell whose bootstrap runs `prelude` first and then execs `program`. The
     * shell-open timeout covers reaching the shell; `preludeTimeoutMs` bounds the prelude (the wait).
     */
    private readonly openWithPrelude: (prelude: string, program: string, preludeTimeoutMs: number) => Promise<ShellSession>,
    /** True once the transport is closing or its connection is lost: a holder dying then is no loss. */
    private readonly ending: () => boolean,
  ) {}

  /** The lock for `request`: taken now (one round trip), or what this transport already found for that run. */
  lock(request: HostLockRequest): Promise<HostLockState> {
    if (this.#request?.runId !== request.runId || !this.#taking) {
      this.#request = request;
      this.#failure = undefined;
      this.#taking = this.#take(request);
    }
    return this.#taking;
  }

  /** What the latest take found; undefined before one finished. */
  get state(): HostLockState | undefined {
    return this.#state;
  }

  /** Before a command: throws HOST_LOCKED once the lock this transport held is gone. */
  async ensure(): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#state?.state === 'held' && this.#holder?.alive === false && !this.ending()) {
      this.#failure = lockLostError(this.host);
      throw this.#failure;
    }
  }

  /** Stops the heartbeat and ends the holder (the transport is closing). */
  close(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    this.#holder?.close();
  }

  async #take(request: HostLockRequest): Promise<HostLockState> {
    // The host's own loop gives up after waitMs; the grace is for its answer to come back.
    const replyWithinMs = request.waitMs + LOCK_REPLY_GRACE_MS;
    const session = await this.pool
      .acquireNew('plain', () => this.openWithPrelude(hostLockPrelude(request), leaseProgram(request), replyWithinMs))
      .catch((error: unknown) => {
        if (!isPreludeTimeout(error)) throw error;
        throw new MeshbookError('HOST_LOCKED', `${this.host}: the host lock gave no answer within ${Math.round(replyWithinMs / 1000)} s (--lock-timeout plus ${LOCK_REPLY_GRACE_MS / 1000} s)`, {
          host: this.host,
          hint: 'the host is too loaded to answer, or its shell is stuck: check it, then run again',
        });
      });
    const reply = parseHostLockReply(session.preamble);
    if (reply === undefined || reply.state === 'error' || reply.state !== 'held') {
      // Not the holder: the shell runs only a lease loop, of no use for commands.
      session.close();
      this.pool.release(session);
      if (reply === undefined || reply.state === 'error') {
        throw new MeshbookError('HOST_LOCKED', `cannot take the meshbook lock on ${this.host}: ${reply?.message ?? 'the lock gave no answer'}`, { host: this.host });
      }
      this.#state = reply;
      return reply;
    }
    this.#state = reply;
    this.#holder = session;
    // Never handed out for commands; pinned so the pool knows its channel is taken for good.
    this.pool.pin(session);
    const every = Math.max(500, Math.floor((request.leaseMs ?? DEFAULT_LEASE_MS) / 3));
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => session.send('.'), every);
    this.#heartbeat.unref();
    session.onClose(() => {
      if (this.#heartbeat) clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    });
    return reply;
  }
}

function lockLostError(host: string): MeshbookError {
  return new MeshbookError('HOST_LOCKED', `${host}: this run's host lock ended (its holder was killed on the host, or its lease ran out while the connection was silent)`, {
    host,
    hint: 'another run may have changed the host meanwhile, so this run stops there: check the host, then run again',
  });
}
