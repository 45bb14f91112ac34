import type { ShellSession } from './shell-session.js';

interface Waiter {
  key: string;
  /** Set for acquireNew: a session of its own, opened this way, never an idle one. */
  open?: (key: string) => Promise<ShellSession>;
  resolve: (session: ShellSession) => void;
  reject: (error: unknown) => void;
}

/**
 * Kept shell sessions of one connection, by key ('plain', 'sudo:root', ...), under one channel
 * budget (OpenSSH's MaxSessions counts every channel of a connection). A caller gets an
 * idle session of its key, or a new one while the budget allows, or waits. An idle session of
 * another key is closed to make room, so a host full of plain sessions can still become root.
 *
 * The first session of a key opens alone: when it fails (a wrong sudo password), every waiter gets
 * that error and no second attempt is made, so sudo sees one try, not one per parallel command.
 * A session opened its own way (acquireNew: the host lock's) is not such an attempt: it opens at
 * once, and its failure is its own.
 *
 * A pinned session (the one holding the host lock) keeps its channel while the pool lives and
 * never serves a command: it runs nothing but its lease loop.
 */
export class SessionPool {
  readonly #idle = new Map<string, ShellSession[]>();
  readonly #waiters: Waiter[] = [];
  /** Every session opened and not closed yet (the lock's holder too): what close() waits for. */
  readonly #counted = new Set<ShellSession>();
  readonly #failed = new Map<string, unknown>();
  readonly #verified = new Set<string>();
  readonly #probing = new Set<string>();
  readonly #pinned = new Set<ShellSession>();
  #used = 0;
  /** Opens in flight (counted in #used too). */
  #opening = 0;
  #closed = false;
  #pumping = false;
  #pumpAgain = false;

  constructor(
    private maxChannels: number,
    private readonly open: (key: string) => Promise<ShellSession>,
    /** Whether an open failed because the server refused another channel (a MaxSessions below ours). */
    private readonly isChannelRefusal: (error: unknown) => boolean = () => false,
  ) {}

  get channelLimit(): number {
    return this.maxChannels;
  }

  get channelsInUse(): number {
    return this.#used;
  }

  acquire(key: string): Promise<ShellSession> {
    return this.#enqueue({ key });
  }

  /**
   * A new session of `key` opened by `open` (a bootstrap with a prelude: the host lock), under the
   * same budget; it joins the pool when released.
   */
  acquireNew(key: string, open: (key: string) => Promise<ShellSession>): Promise<ShellSession> {
    return this.#enqueue({ key, open });
  }

  /** The sessions whose channels are still open, busy, idle and pinned alike. */
  openSessions(): ShellSession[] {
    return [...this.#counted];
  }

  /** Never evicted while the pool lives (it holds the host lock); unpinned when it closes. */
  pin(session: ShellSession): void {
    if (!session.alive) return;
    this.#pinned.add(session);
    session.onClose(() => this.#pinned.delete(session));
  }

  #enqueue(request: Pick<Waiter, 'key' | 'open'>): Promise<ShellSession> {
    if (this.#closed) return Promise.reject(new Error('transport closed'));
    if (this.#failed.has(request.key)) return Promise.reject(this.#failed.get(request.key));
    return new Promise((resolve, reject) => {
      this.#waiters.push({ ...request, resolve, reject });
      this.#pump();
    });
  }

  /** Gives a session back after its command: reused while alive, otherwise its channel is already gone. */
  release(session: ShellSession): void {
    if (this.#closed || !session.alive) {
      session.close();
    } else {
      const list = this.#idle.get(session.key) ?? [];
      list.push(session);
      this.#idle.set(session.key, list);
    }
    this.#pump();
  }

  /** An idle session of `key` right now, without waiting, or undefined. */
  takeIdle(key: string): ShellSession | undefined {
    const list = this.#idle.get(key);
    while (list?.length) {
      const session = list.pop()!;
      if (session.alive) return session;
    }
    return undefined;
  }

  /**
   * Opens a session outside the budget. Only for killing a hung command: waiting for a channel
   * there could wait forever when every session is hung. The session then joins the pool.
   */
  async openExtra(key: string): Promise<ShellSession> {
    this.#used++;
    try {
      const session = await this.open(key);
      this.#track(session);
      return session;
    } catch (error) {
      this.#used--;
      throw error;
    }
  }

  closeAll(error: unknown): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const list of this.#idle.values()) for (const session of list) session.close();
    this.#idle.clear();
  }

  #track(session: ShellSession): void {
    this.#counted.add(session);
    session.onClose(() => {
      this.#uncount(session);
      this.#pump();
    });
  }

  #uncount(session: ShellSession): void {
    if (this.#counted.has(session)) {
      this.#counted.delete(session);
      this.#used--;
    }
  }

  #evictIdle(exceptKey: string): boolean {
    for (const [key, list] of this.#idle) {
      if (key === exceptKey) continue;
      const at = list.findIndex((s) => !this.#pinned.has(s));
      if (at < 0) continue;
      const [session] = list.splice(at, 1) as [ShellSession];
      // Freed now rather than when the close completes, so the waiter can take the slot at once.
      this.#uncount(session);
      session.close();
      return true;
    }
    return false;
  }

  /** Re-entrant calls (a close listener firing inside a pump) run once more after the current one. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#pumpOnce();
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  #pumpOnce(): void {
    for (let i = 0; i < this.#waiters.length; ) {
      const waiter = this.#waiters[i]!;
      const failure = this.#failed.get(waiter.key);
      if (failure !== undefined) {
        this.#waiters.splice(i, 1);
        waiter.reject(failure);
        continue;
      }
      const idle = waiter.open ? undefined : this.takeIdle(waiter.key);
      if (idle) {
        this.#waiters.splice(i, 1);
        waiter.resolve(idle);
        continue;
      }
      // A session of its own (the host lock's) opens alongside the first of its key: it has a
      // bootstrap of its own and is no attempt at the key's password, so it waits for no probe.
      if (!waiter.open && !this.#verified.has(waiter.key) && this.#probing.has(waiter.key)) {
        i++;
        continue;
      }
      if (this.#used >= this.maxChannels && !this.#evictIdle(waiter.key)) {
        if (this.#onlyPinnedOfOtherKeys(waiter.key)) {
          // Nothing will ever free a channel: say so rather than wait forever.
          this.#waiters.splice(i, 1);
          waiter.reject(new Error(`no channel left for a ${waiter.key} session: the ${this.maxChannels} allowed hold the host lock`));
          continue;
        }
        i++;
        continue;
      }
      this.#waiters.splice(i, 1);
      this.#used++;
      this.#start(waiter);
    }
  }

  /** Every channel is a pinned session, which serves no command (a budget of one, say). */
  #onlyPinnedOfOtherKeys(_key: string): boolean {
    return this.#opening === 0 && this.#used === this.#pinned.size;
  }

  #start(waiter: Waiter): void {
    const probe = !waiter.open && !this.#verified.has(waiter.key);
    if (probe) this.#probing.add(waiter.key);
    this.#opening++;
    (waiter.open ?? this.open)(waiter.key).then(
      (session) => {
        this.#opening--;
        if (probe) {
          this.#probing.delete(waiter.key);
          this.#verified.add(waiter.key);
        }
        this.#track(session);
        if (this.#closed) {
          session.close();
          waiter.reject(new Error('transport closed'));
        } else {
          waiter.resolve(session);
        }
        this.#pump();
      },
      (error: unknown) => {
        this.#used--;
        this.#opening--;
        const established = this.#used - this.#opening;
        if (established > 0 && this.isChannelRefusal(error)) {
          // The server allows fewer channels than we assumed: learn its limit and let the waiter
          // queue for a channel that is already open instead of failing its command.
          this.maxChannels = Math.min(this.maxChannels, established);
          if (probe) this.#probing.delete(waiter.key);
          this.#waiters.unshift(waiter);
          this.#pump();
          return;
        }
        if (probe) {
          this.#probing.delete(waiter.key);
          this.#failed.set(waiter.key, error);
        }
        waiter.reject(error);
        this.#pump();
      },
    );
  }
}
