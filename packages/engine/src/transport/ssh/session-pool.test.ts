import { describe, expect, it } from 'vitest';
import { SessionPool } from './session-pool.js';
import type { ShellSession } from './shell-session.js';

/** Stands in for a ShellSession: the pool only uses key, alive, close and onClose. */
class FakeSession {
  alive = true;
  #listeners: Array<() => void> = [];
  constructor(readonly key: string) {}
  onClose(listener: () => void) {
    this.#listeners.push(listener);
  }
  close() {
    if (!this.alive) return;
    this.alive = false;
    for (const l of this.#listeners) l();
  }
}

function pool(max: number, open: (key: string) => Promise<FakeSession> = async (key) => new FakeSession(key)) {
  const opened: string[] = [];
  const p = new SessionPool(max, async (key) => {
    opened.push(key);
    return (await open(key)) as unknown as ShellSession;
  });
  return { p, opened };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('SessionPool', () => {
  it("opens a session of its own (the host lock's) alongside the first session of its key, not after it; its failure is its own", async () => {
    const pending: Array<{ key: string; resolve: (s: FakeSession) => void; reject: (e: Error) => void }> = [];
    const { p } = pool(4, (key) => new Promise((resolve, reject) => pending.push({ key, resolve, reject })));
    const first = p.acquire('plain');
    let ownStarted = false;
    const own = p.acquireNew('plain', () => {
      ownStarted = true;
      return new Promise((_, reject) => setTimeout(() => reject(new Error('the lock could not be taken')), 0));
    });
    const ownOutcome = own.catch((error: Error) => error.message);
    await tick();
    // Both open at once: the first plain session's open has not finished.
    expect(pending.map((o) => o.key)).toEqual(['plain']);
    expect(ownStarted).toBe(true);
    expect(await ownOutcome).toBe('the lock could not be taken');
    // The first session of the key is unaffected, and so are later ones.
    pending[0]!.resolve(new FakeSession('plain'));
    p.release(await first);
    expect((await p.acquire('plain')).key).toBe('plain');
  });

  it('reuses an idle session instead of opening another', async () => {
    const { p, opened } = pool(4);
    const a = await p.acquire('plain');
    p.release(a);
    expect(await p.acquire('plain')).toBe(a);
    expect(opened).toEqual(['plain']);
  });

  it('never holds more channels than allowed, and queues the rest', async () => {
    const { p, opened } = pool(2);
    const first = await p.acquire('plain');
    const [b, c] = [p.acquire('plain'), p.acquire('plain')];
    const second = await b;
    let thirdDone = false;
    void c.then(() => (thirdDone = true));
    await tick();
    expect(thirdDone).toBe(false);
    expect(p.channelsInUse).toBe(2);
    p.release(first);
    expect(await c).toBe(first);
    p.release(second);
    expect(opened).toHaveLength(2);
  });

  it('closes an idle session of another user to make room', async () => {
    const { p } = pool(1);
    const plain = await p.acquire('plain');
    p.release(plain);
    const sudo = await p.acquire('sudo:root');
    expect(sudo.key).toBe('sudo:root');
    expect(plain.alive).toBe(false);
    expect(p.channelsInUse).toBe(1);
  });

  it('replaces a session that died', async () => {
    const { p, opened } = pool(1);
    const a = await p.acquire('plain');
    (a as unknown as FakeSession).close();
    p.release(a);
    const b = await p.acquire('plain');
    expect(b).not.toBe(a);
    expect(opened).toHaveLength(2);
  });

  it('tries the first session of a key alone, and fails every waiter with its error', async () => {
    let attempts = 0;
    const { p } = pool(8, async (key) => {
      if (key.startsWith('sudo')) {
        attempts++;
        await tick();
        throw new Error('incorrect password');
      }
      return new FakeSession(key);
    });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => p.acquire('sudo:root')));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'incorrect password')).toBe(true);
    await expect(p.acquire('sudo:root')).rejects.toThrow('incorrect password');
    expect(attempts).toBe(1);
    expect(p.channelsInUse).toBe(0);
  });
});

describe('SessionPool with the host lock holder pinned', () => {
  it('never closes the pinned holder to make room, but evicts other idle sessions', async () => {
    const { p } = pool(2);
    const holder = await p.acquireNew('plain', async (key) => new FakeSession(key) as unknown as ShellSession);
    p.pin(holder);
    p.release(holder);
    const other = await p.acquire('sudo:root');
    p.release(other);
    // A third key: only the sudo session may go.
    const nobody = await p.acquire('sudo:nobody');
    expect(holder.alive).toBe(true);
    expect(other.alive).toBe(false);
    p.release(nobody);
    // A burst of alternating keys keeps churning the unpinned channel, never the holder.
    const burst = Array.from({ length: 12 }, (_, i) => p.acquire(i % 2 ? 'sudo:root' : 'sudo:nobody').then((s) => (p.release(s), s)));
    await Promise.all(burst);
    expect(holder.alive).toBe(true);
    expect(p.channelsInUse).toBe(2);
  });

  it('still runs commands on the pinned holder', async () => {
    const { p, opened } = pool(2);
    const holder = await p.acquireNew('plain', async (key) => new FakeSession(key) as unknown as ShellSession);
    p.pin(holder);
    p.release(holder);
    expect(await p.acquire('plain')).toBe(holder);
    expect(opened).toEqual([]);
  });

  it('opens a new session for acquireNew even when one of its key is idle', async () => {
    const { p, opened } = pool(4);
    const idle = await p.acquire('plain');
    p.release(idle);
    let ran = 0;
    const fresh = await p.acquireNew('plain', async (key) => (ran++, new FakeSession(key) as unknown as ShellSession));
    expect(fresh).not.toBe(idle);
    expect([ran, opened.length, p.channelsInUse]).toEqual([1, 1, 2]);
  });

  it('refuses, instead of waiting forever, a key no channel can ever serve beside the holder', async () => {
    const { p } = pool(1);
    const holder = await p.acquireNew('plain', async (key) => new FakeSession(key) as unknown as ShellSession);
    p.pin(holder);
    p.release(holder);
    await expect(p.acquire('sudo:root')).rejects.toThrow('no channel left for a sudo:root session: the 1 allowed hold the host lock');
    expect(await p.acquire('plain')).toBe(holder);
  });

  it('unpins a holder that died, so its channel is free again', async () => {
    const { p } = pool(1);
    const holder = await p.acquireNew('plain', async (key) => new FakeSession(key) as unknown as ShellSession);
    p.pin(holder);
    (holder as unknown as FakeSession).close();
    p.release(holder);
    expect((await p.acquire('sudo:root')).key).toBe('sudo:root');
  });
});

describe('SessionPool against a server with a lower MaxSessions', () => {
  it('learns the limit from a refused channel and queues instead of failing', async () => {
    class Refused extends Error {}
    let open = 0;
    const p = new SessionPool(
      8,
      async (key) => {
        if (open >= 3) throw new Refused('open failed');
        open++;
        const session = new FakeSession(key);
        session.onClose(() => open--);
        return session as unknown as ShellSession;
      },
      (error) => error instanceof Refused,
    );
    const first = await p.acquire('plain');
    // Each command gives its session back when done, as the transport does.
    const rest = Array.from({ length: 6 }, () => p.acquire('plain').then((s) => (p.release(s), s)));
    await tick();
    expect(p.channelLimit).toBe(3);
    p.release(first);
    expect(await Promise.all(rest)).toHaveLength(6);
    expect(p.channelsInUse).toBe(3);
  });
});
