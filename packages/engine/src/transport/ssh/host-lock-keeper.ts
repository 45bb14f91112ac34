import { MeshbookError } from '../../errors.js';
import { hostLockPrelude, parseHostLockReply, type HostLockRequest, type HostLockState } from '../host-lock.js';
import type { SessionPool } from './session-pool.js';
import type { ShellSession } from './shell-session.js';

/**
 * The host lock of one SSH transport. It is taken in the bootstrap of a plain kept shell (so it
 * costs no round trip beyond opening that shell), and that shell, the holder, is pinned in the
 * pool and runs commands like any other. When the holder dies mid-run (a timeout killed its
 * process group, a command ended the shell) the lock went with it: it is taken again, on a new
 * shell, before the next command runs; if another run got it meanwhile, every later command fails
 * with HOST_LOCKED.
 */
export class HostLockKeeper {
  #request: HostLockRequest | undefined;
  /** The latest take for #request: lockHost answers from it. */
  #taking: Promise<HostLockState> | undefined;
  #state: HostLockState | undefined;
  #holder: ShellSession | undefined;
  #retaking: Promise<void> | undefined;
  /** The lock was lost and could not be taken back: thrown to every later command. */
  #failure: MeshbookError | undefined;

  constructor(
    private readonly host: string,
    private readonly pool: SessionPool,
    /** Opens a plain kept shell whose bootstrap runs `prelude` first. */
    private readonly openWithPrelude: (prelude: string) => Promise<ShellSession>,
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

  /** True while the lock this transport held is gone and not yet taken back: no command may run. */
  get holderLost(): boolean {
    return this.#failure === undefined && this.#state?.state === 'held' && this.#holder?.alive === false && !this.ending();
  }

  /** Before a command: takes the lock back if its holder died; throws HOST_LOCKED when that failed. */
  async ensure(): Promise<void> {
    while (this.holderLost) {
      this.#retaking ??= this.#retake().finally(() => (this.#retaking = undefined));
      await this.#retaking;
    }
    if (this.#failure) throw this.#failure;
  }

  async #retake(): Promise<void> {
    const request = this.#request!;
    this.#taking = this.#take(request);
    const state = await this.#taking;
    if (state.state === 'held' || state.state === 'shared') return;
    this.#failure = lockLostError(this.host, state, request.waitMs);
  }

  async #take(request: HostLockRequest): Promise<HostLockState> {
    const session = await this.pool.acquireNew('plain', () => this.openWithPrelude(hostLockPrelude(request)));
    try {
      const reply = parseHostLockReply(session.preamble);
      if (reply === undefined || reply.state === 'error') {
        throw new MeshbookError('HOST_LOCKED', `cannot take the meshbook lock on ${this.host}: ${reply?.message ?? 'the lock gave no answer'}`, { host: this.host });
      }
      this.#state = reply;
      this.#holder = reply.state === 'held' ? session : undefined;
      if (reply.state === 'held') this.pool.pin(session);
      return reply;
    } finally {
      // Whatever the answer, the shell works: it joins the pool for commands.
      this.pool.release(session);
    }
  }
}

function lockLostError(host: string, state: Exclude<HostLockState, { state: 'held' | 'shared' }>, waitMs: number): MeshbookError {
  const why = state.state === 'busy' ? `another meshbook run took it (${state.holder}) and kept it for the ${Math.round(waitMs / 1000)} s waited` : state.reason;
  return new MeshbookError('HOST_LOCKED', `${host}: this run's lock ended with the shell holding it (a command's timeout or the command itself ended that shell) and could not be taken back: ${why}`, {
    host,
    hint: 'another run may have changed the host meanwhile: check it, then run again once that run is over',
  });
}
